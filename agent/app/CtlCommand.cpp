#include "agent/app/CtlCommand.h"

#include <fcntl.h>

#include <QCoreApplication>
#include <QLocalSocket>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/file.h>
#include <thread>
#include <vector>

#include "agent/app/CommandExit.h"
#include "agent/guard/ControlProtocol.h"
#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/UniqueFd.h"
#include "common/Utf8.h"

namespace mamori::agent {

namespace {

constexpr const char* kUsageText = R"(Usage: mamori-agent ctl status [options]
       mamori-agent ctl stop [--token-file FILE] [options]
       mamori-agent ctl remove [--token-file FILE] [options]
       mamori-agent exception CODE [options]

Talks to the running agent through its control socket (root only).
  status     is the agent running?
  stop       stop the agent; needs the administrator's token when /etc/mamori/uninstall.token.sha256
             exists. Without a valid token the agent refuses and reports agent.tamper. Waits until
             the agent has exited. Under systemd the agent then stays stopped (exit status 4).
  remove     the same for the package's prerm (the event says "package_removal")
  exception  hand a device exception response code (mamorictl exception grant) to device control

Options:
  --token-file FILE   the token [default: $MAMORI_UNINSTALL_TOKEN_FILE]
  --state-dir DIR     the agent's state directory [default: /var/lib/mamori]
  --socket PATH       the control socket [default: DIR/control.sock]
  --timeout SEC       how long to wait for the agent to exit after stop, 0 to 86400 (fractions
                      allowed) [default: 30]
  -h, --help          show this help

Exit status:
  0  done (stop: the agent has exited)
  1  the agent is not running or not reachable, or failed
  2  usage error (unknown option, unreadable token file)
  3  refused: the token is missing or wrong (reported as agent.tamper)
)";

// The agent holds an exclusive lock on DIR/agent.lock while it runs.
bool agentRunning(const std::string& stateDir) {
  const std::string path = stateDir + "/agent.lock";
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  return ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0;
}

}  // namespace

common::Result<guard::ControlAnswer> exchangeControlLine(const std::string& socket,
                                                         const guard::ControlRequest& request, int answerTimeoutMs) {
  if (!common::fileExists(socket)) return common::makeError("the agent is not running (no socket " + socket + ")");
  QLocalSocket connection;
  connection.connectToServer(QString::fromStdString(socket));
  if (!connection.waitForConnected(5000)) {
    return common::makeError("the agent is not reachable at " + socket + ": " + connection.errorString().toStdString());
  }
  connection.write(QByteArray::fromStdString(guard::formatControlRequest(request)));
  connection.waitForBytesWritten(5000);
  std::string line;
  while (line.find('\n') == std::string::npos && line.size() <= guard::kMaxControlLine) {
    if (!connection.waitForReadyRead(answerTimeoutMs)) break;
    line += connection.readAll().toStdString();
  }
  if (const auto end = line.find('\n'); end != std::string::npos) line.resize(end);
  auto answer = guard::parseControlAnswer(line);
  if (!answer) return common::makeError("no usable answer from the agent: " + answer.error().describe());
  return answer;
}

int askAgent(const std::string& command, const std::string& socket, const guard::ControlRequest& request,
             int answerTimeoutMs, std::string& replyText) {
  auto answer = exchangeControlLine(socket, request, answerTimeoutMs);
  if (!answer) {
    common::printError(command, answer.error().describe());
    return kExitRuntime;
  }
  const auto& reply = answer.value();
  if (reply.outcome != guard::ControlOutcome::Ok) {
    // The agent's words may name a device, whose strings the device chose: printError shows them through
    // visibleText.
    common::printError(command, reply.text);
    return reply.outcome == guard::ControlOutcome::Refused ? kExitRefused : kExitRuntime;
  }
  replyText = reply.text;
  return kExitOk;
}

int runCtlCommand(int argc, char* argv[]) {
  // QLocalSocket's blocking calls still want an application object for their socket notifiers.
  QCoreApplication app(argc, argv);
  const bool exceptionCommand = std::string_view(argv[1]) == "exception";
  const std::string command = exceptionCommand ? "mamori-agent exception" : "mamori-agent ctl";
  auto usageError = [&command](const std::string& message) { return common::usageError(command, message); };
  std::vector<std::string> args(argv + 2, argv + argc);
  std::string verb = exceptionCommand ? "exception" : "";
  std::string argument;
  std::string tokenFile;
  // One-shot command, no other threads yet.
  if (const char* fromEnv = std::getenv("MAMORI_UNINSTALL_TOKEN_FILE")) {  // NOLINT(concurrency-mt-unsafe)
    tokenFile = fromEnv;
  }
  std::string stateDir = "/var/lib/mamori";
  std::string socket;
  std::int64_t timeoutMs = 30'000;
  std::vector<std::string> words;  // ctl: the verb; exception: the response CODE
  common::CommandLine line;
  line.text("--token-file", tokenFile)
      .text("--state-dir", stateDir)
      .text("--socket", socket)
      .declare("--timeout", common::opt::seconds(0, 86'400'000, timeoutMs))
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, command, kUsageText)) return *done;
  if (words.size() > 1) return usageError("unexpected argument \"" + words[1] + "\"");
  if (!words.empty()) (exceptionCommand ? argument : verb) = words[0];
  guard::ControlRequest request;
  if (verb == "status") {
    request.command = guard::ControlCommand::Status;
  } else if (verb == "stop" || verb == "remove") {
    request.command = verb == "stop" ? guard::ControlCommand::Stop : guard::ControlCommand::Remove;
    if (!tokenFile.empty()) {
      auto token = common::readSmallFile(tokenFile, 4096);
      if (!token) return usageError("--token-file: " + token.error().describe());
      request.argument = token.value();
      while (!request.argument.empty() &&
             (request.argument.back() == '\n' || request.argument.back() == '\r' || request.argument.back() == ' ')) {
        request.argument.pop_back();
      }
      if (request.argument.find('\n') != std::string::npos) return usageError("--token-file: more than one line");
    }
  } else if (verb == "exception") {
    if (argument.empty()) return usageError("exception expects the response CODE");
    request.command = guard::ControlCommand::Exception;
    request.argument = argument;
  } else {
    return usageError(verb.empty() ? "ctl expects status, stop or remove" : "unknown ctl command \"" + verb + "\"");
  }
  if (socket.empty()) socket = stateDir + "/control.sock";

  std::string reply;
  if (const int code = askAgent(command, socket, request, 10'000, reply); code != kExitOk) return code;
  if (request.command == guard::ControlCommand::Stop || request.command == guard::ControlCommand::Remove) {
    // Done only when the process is gone (the prerm removes files next).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (agentRunning(stateDir)) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "%sthe agent accepted the stop but still runs after %g s\n",
                     common::messagePrefix(command).c_str(), static_cast<double>(timeoutMs) / 1000);
        return kExitRuntime;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::printf("stopped\n");
    return kExitOk;
  }
  std::printf("%s\n", common::visibleText(reply).c_str());
  return kExitOk;
}

}  // namespace mamori::agent
