#pragma once
// `mamori-agent printing release`: lifts the print gate's holds when the agent cannot (see
// agent/activity/PrintRelease.h): after a crash under printing.fail open (systemd's ExecStopPost),
// and when the package is removed (prerm). Exit status in its --help.

namespace mamori::agent {

int runPrintReleaseCommand(int argc, char* argv[]);

}  // namespace mamori::agent
