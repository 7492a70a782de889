#pragma once
// Running P2P programs: the process driver's snapshot (drivers/linux/ProcFs over procRoot, a
// parameter so tests use a recorded or empty tree) turned into the P2P guard's facts. The executable
// is read through /proc/PID/exe (the file that runs, even renamed or deleted); its mapped libraries
// are hashed and YARA-scanned once each.

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
