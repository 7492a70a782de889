#include "agent/activity/PrintRelease.h"

#include <algorithm>
#include <optional>

#include "common/Log.h"

namespace mamori::agent::activity {

namespace {
constexpr const char* kIndefinite = "indefinite";
constexpr std::size_t kMaxServer = 4096;
}  // namespace

std::string printGateNoteText(const PrintGateNote& note) {
  return std::string("fail=") + (note.failOpen ? "open" : "closed") + "\nserver=" + note.server + "\n";
}

common::Result<PrintGateNote> parsePrintGateNote(std::string_view text) {
  PrintGateNote note;
  std::optional<bool> failOpen;
  std::size_t lineNumber = 0;
  while (!text.empty()) {
    ++lineNumber;
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const std::string where = "line " + std::to_string(lineNumber);
    if (line == "fail=open" || line == "fail=closed") {
      failOpen = line == "fail=open";
    } else if (line.rfind("server=", 0) == 0 && line.size() - 7 <= kMaxServer) {
      note.server = std::string(line.substr(7));
    } else if (!line.empty()) {
      return common::makeError(common::ErrorKind::kCorrupt, "expected fail=open|closed or server=PATH", where);
    }
  }
  if (!failOpen) return common::makeError(common::ErrorKind::kCorrupt, "no fail= line", "print gate note");
  note.failOpen = *failOpen;
  return note;
}

common::Result<int> releaseWaitingJobs(drivers::PrintSpooler& spooler, const std::function<bool(std::int64_t)>& skip) {
  auto jobs = spooler.jobs();
  if (!jobs) return jobs.error();
  int released = 0;
  for (const auto& job : jobs.value()) {
    if (job.state != drivers::PrintJobState::kHeld || job.holdUntil != kIndefinite || skip(job.id)) continue;
    const auto& reasons = job.stateReasons;
    if (std::find(reasons.begin(), reasons.end(), "job-incoming") != reasons.end()) continue;
    if (auto done = spooler.release(job.id); !done) {
      common::log::warning("printing: cannot release job " + std::to_string(job.id) + ": " + done.error().describe());
      continue;
    }
    ++released;
  }
  return released;
}

common::Result<int> releasePrintHolds(drivers::PrintSpooler& spooler) {
  auto printers = spooler.printers();
  if (!printers) return printers.error();
  for (const auto& printer : printers.value()) {
    if (printer.holdDefault != kIndefinite) continue;
    if (auto set = spooler.setHoldDefault(printer.name, "no-hold"); !set) return set.error();
  }
  return releaseWaitingJobs(spooler, [](std::int64_t) { return false; });
}

}  // namespace mamori::agent::activity
