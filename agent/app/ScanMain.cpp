// mamori-scan: `mamori-agent scan` in a binary of its own. The command is the same code
// (agent/app/ScanCommand); this front links only the scanner, the policy and the sandbox's driver, so
// a run does not first load the daemon's Qt, Poco Net and libusb (docs/decisions/0039).

#include <string>
#include <vector>

#include "agent/app/ScanCommand.h"

int main(int argc, char* argv[]) {
  return mamori::agent::runScanCommand("mamori-scan", std::vector<std::string>(argv + 1, argv + argc));
}
