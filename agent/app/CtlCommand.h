#pragma once
// `mamori-agent ctl status|stop|remove` and `mamori-agent exception CODE`: one request to the running
// agent over its control socket (agent/guard/ControlProtocol.h).

#include <string>

#include "agent/guard/ControlProtocol.h"
#include "common/Result.h"

namespace mamori::agent {

// Sends one request line to the agent's socket and reads its answer line (an application object
// must exist). The error says what failed: no socket, not reachable, no usable answer. The agent
// may take up to answerTimeoutMs to answer (a request waits for the collector).
common::Result<guard::ControlAnswer> exchangeControlLine(const std::string& socket,
                                                         const guard::ControlRequest& request,
                                                         int answerTimeoutMs = 10'000);

// exchangeControlLine, answered as a one-shot command answers: kExitOk with the reply's text in
// replyText, or the failure said on stderr after the command's messagePrefix (common/CommandLine.h:
// "mamori-agent: request: ...") and its exit code (kExitRefused when the agent refused, else
// kExitRuntime; agent/app/CommandExit.h).
int askAgent(const std::string& command, const std::string& socket, const guard::ControlRequest& request,
             int answerTimeoutMs, std::string& replyText);

// argv[1] is "ctl" or "exception". Exit codes: 0 done, 1 the agent is not reachable or failed,
// 2 usage, 3 refused (wrong or missing token: the agent reported agent.tamper).
int runCtlCommand(int argc, char* argv[]);

}  // namespace mamori::agent
