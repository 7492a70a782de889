#pragma once
// What is left of the print gate when the agent is not there to lift it (docs/admin.md "Hold print
// jobs until inspected"): the queues keep holding every new job. While it enforces, the agent keeps a
// note of how (the fail mode, the scheduler) in its state folder; `mamori-agent printing release` reads
// it, puts the queues' defaults back and releases the jobs waiting. systemd runs it after the agent
// stopped or crashed, acting only under fail open; the package's removal runs it whatever the mode.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "drivers/include/PrintSpooler.h"

namespace mamori::agent::activity {

// The note's name in the agent's state folder.
constexpr const char* kPrintGateNoteFile = "print-gate";

struct PrintGateNote {
  bool failOpen = false;
  std::string server;  // the scheduler ("" CUPS's default)
  bool operator==(const PrintGateNote&) const = default;
};

// "fail=open\nserver=/run/cups/cups.sock\n"
std::string printGateNoteText(const PrintGateNote& note);
// The note's text; an error names the line that is wrong.
common::Result<PrintGateNote> parsePrintGateNote(std::string_view text);

// The held jobs waiting for the gate (held indefinite, not still receiving documents) released,
// except those skip names. How many were released; a job that cannot be released is logged.
common::Result<int> releaseWaitingJobs(drivers::PrintSpooler& spooler, const std::function<bool(std::int64_t)>& skip);
// Every queue and class holding new jobs (default indefinite) back to no-hold, then every waiting
// job released: how many jobs. An error when the scheduler cannot be asked or a queue not changed.
common::Result<int> releasePrintHolds(drivers::PrintSpooler& spooler);

}  // namespace mamori::agent::activity
