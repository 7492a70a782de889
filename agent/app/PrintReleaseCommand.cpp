#include "agent/app/PrintReleaseCommand.h"

#include <cstdio>
#include <string>
#include <vector>

#include "agent/activity/PrintRelease.h"
#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/Utf8.h"

namespace mamori::agent {

namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr const char* kCommand = "mamori-agent printing";
constexpr std::size_t kMaxNoteBytes = 8192;

constexpr const char* kUsageText = R"(Usage: mamori-agent printing release [options]

Puts back what the print gate leaves when the agent is not running: every print queue that holds new
jobs for inspection (job-hold-until-default indefinite) goes back to no-hold, and the jobs waiting
held are released, uninspected. Acts only when the agent's state folder has the gate's note (the agent
keeps it while activity.printing.mode is enforce). systemd runs it with --if-fail-open after the agent
stopped or crashed; removing the package runs it without. Run as root.

  --state-dir DIR    the agent's state directory [default: /var/lib/mamori]
  --if-fail-open     only when the policy's printing.fail is open (under closed, jobs wait)
  -h, --help         show this help

Exit status:
  0  released, or nothing to do (no note, or fail closed with --if-fail-open)
  1  the note cannot be read, or the print scheduler refused or cannot be reached
  2  usage error
)";

}  // namespace

int runPrintReleaseCommand(int argc, char* argv[], drivers::PrintSpooler& spooler) {
  bool ifFailOpen = false;
  std::string stateDir = "/var/lib/mamori";
  common::CommandLine line;
  std::vector<std::string> words;
  line.text("--state-dir", stateDir).flag("--if-fail-open", ifFailOpen).positionals(words);
  if (auto done = common::parseOrExit(line, {argv + 2, argv + argc}, kCommand, kUsageText)) return *done;
  if (words != std::vector<std::string>{"release"}) {
    return common::usageError(kCommand, "expected the command release");
  }
  const std::string path = stateDir + "/" + activity::kPrintGateNoteFile;
  if (!common::fileExists(path)) {
    std::printf("printing: the agent holds no print queue (no %s)\n", common::visibleText(path).c_str());
    return kOk;
  }
  auto text = common::readSmallFile(path, kMaxNoteBytes);
  if (!text) {
    common::printError(kCommand, text.error().describe());
    return kFailed;
  }
  auto note = activity::parsePrintGateNote(text.value());
  if (!note) {
    common::printError(kCommand, path + ": " + note.error().describe());
    return kFailed;
  }
  if (ifFailOpen && !note.value().failOpen) {
    std::printf("printing: printing.fail is closed: the queues keep holding until the agent is back\n");
    return kOk;
  }
  spooler.use(note.value().server, "");
  auto released = activity::releasePrintHolds(spooler);
  if (!released) {
    common::printError(kCommand, released.error().describe());
    return kFailed;
  }
  std::printf("printing: queues back to no-hold, %d waiting job(s) released\n", released.value());
  return kOk;
}

}  // namespace mamori::agent
