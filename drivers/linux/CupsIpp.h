#pragma once
// The scheduler's IPP answers as facts: the jobs of a Get-Jobs response, the queues of a
// CUPS-Get-Printers response. Pure (libcups's message type in, structs out) and fuzzed with hostile
// messages (tests/fuzz/fuzz_cups_ipp.cpp): a job without a usable id is left out, strings are
// bounded, and a message with more jobs than the bound keeps the first ones. libcups is loaded at run
// time (CupsLibrary): the parsers take its objects, so it is loaded when they get one.

#include <string_view>
#include <vector>

#include "common/Result.h"
#include "drivers/include/PrintSpooler.h"
#include "drivers/linux/CupsLibrary.h"

namespace mamori::drivers::linux_os {

inline constexpr std::size_t kMaxIppJobs = 10'000;
inline constexpr std::size_t kMaxIppText = 1024;  // bytes kept of a name, title or reason

std::vector<PrintJobFacts> jobsFromIpp(ipp_t* response);
std::vector<PrinterFacts> printersFromIpp(ipp_t* response);

// The queue's name from a job-printer-uri ("ipp://localhost/printers/NAME" or ".../classes/NAME"),
// empty when the URI names none.
std::string printerFromUri(std::string_view uri);

// An IPP message (RFC 8010 encoding) read from bytes with libcups, then its jobs; what went wrong,
// with the byte count read, when the bytes are not a whole message.
common::Result<std::vector<PrintJobFacts>> parseJobsMessage(std::string_view bytes);
common::Result<std::vector<PrinterFacts>> parsePrintersMessage(std::string_view bytes);

}  // namespace mamori::drivers::linux_os
