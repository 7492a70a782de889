#pragma once
// `mamori-agent ctl status|stop|remove` and `mamori-agent exception CODE`: one request to the running
// agent over its control socket (agent/guard/ControlProtocol.h).

namespace mamori::agent {

// argv[1] is "ctl" or "exception". Exit codes: 0 done, 1 the agent is not reachable or failed,
// 2 usage, 3 refused (wrong or missing token: the agent reported agent.tamper).
int runCtlCommand(int argc, char* argv[]);

}  // namespace mamori::agent
