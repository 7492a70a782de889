#pragma once
// `mamori-agent printing release`: lifts the print gate's holds when the agent cannot (see
// agent/activity/PrintRelease.h): after a crash under printing.fail open (systemd's ExecStopPost),
// and when the package is removed (prerm). Exit status in its --help.

#include "drivers/include/PrintSpooler.h"

namespace mamori::agent {

// spooler: the print scheduler to release through (main() gives the CUPS one from LinuxDrivers).
int runPrintReleaseCommand(int argc, char* argv[], drivers::PrintSpooler& spooler);

}  // namespace mamori::agent
