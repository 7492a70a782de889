#pragma once
// A CUPS job control file (the spool's c<job-id>): the job's attributes as one IPP message (RFC 8010
// encoding), which is what cupsd writes there. Pure and fuzzed (tests/fuzz/fuzz_activity_parsers.cpp).
//
// Why the control file and not lpstat or an IPP query: it is on disk the moment cupsd saves the job,
// needs no client, no socket path and no authentication, and works for any local queue; the spooled
// document sits beside it (d<job-id>-001) for the content scan.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::agent::activity {

struct PrintJob {
  std::int64_t jobId = 0;
  std::string user;     // job-originating-user-name
  std::string printer;  // the queue, from job-printer-uri (".../printers/NAME")
  std::string title;    // job-name
  std::int64_t pages =
      -1;  // job-impressions-completed, else job-media-sheets-completed, else job-impressions; -1 unknown
};

// Errors name the byte offset of the problem. Unknown attributes are skipped.
common::Result<PrintJob> parseCupsControlFile(std::string_view bytes);

}  // namespace mamori::agent::activity
