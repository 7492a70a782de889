#pragma once
// Running P2P programs. Reads only what recognition needs from a /proc tree (procRoot is a parameter
// so tests use a recorded or empty tree): comm, cmdline, the exe link and the executable's bytes
// through /proc/PID/exe (which works for deleted or renamed executables too).
//
// The agent's process driver (drivers/include/ProcessSource.h) was not committed when this was
// written; when it is, this file should become a thin adapter over its snapshot().

#include <atomic>
#include <string>
#include <vector>

#include "inspect/Findings.h"
#include "inspect/P2pRecognizer.h"

namespace mamori::inspect {

// Adds a kP2pRunning finding per recognised process; what could not be read (another user's process
// when not root) is counted into one NotInspected line.
void findRunningPrograms(const std::string& procRoot, P2pRecognizer& recognizer, std::vector<Finding>& findings,
                         std::vector<NotInspected>& skipped, const std::atomic<bool>* stop);

}  // namespace mamori::inspect
