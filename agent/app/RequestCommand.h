#pragma once
// `mamori-agent request`: an employee (any local account) asks for a device the agent blocked, or
// lists the blocked devices. Talks to the running agent's request socket (agent/guard/RequestServer).

namespace mamori::agent {

// argv[1] is "request". Exit codes in the help text (kUsageText in RequestCommand.cpp).
int runRequestCommand(int argc, char* argv[]);

}  // namespace mamori::agent
