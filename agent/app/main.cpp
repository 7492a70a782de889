// mamori-agent: the resident endpoint agent. Qt owns the main thread; this file makes the Linux
// driver set (agent/app/LinuxDrivers) and hands it to the composition root.

#include <QCoreApplication>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "agent/app/Agent.h"
#include "agent/app/AgentOptions.h"
#include "agent/app/ConfigArguments.h"
#include "agent/app/CtlCommand.h"
#include "agent/app/LinuxDrivers.h"
#include "agent/app/PrintReleaseCommand.h"
#include "agent/app/RequestCommand.h"
#include "agent/app/ScanCommand.h"
#include "agent/app/SignalWatcher.h"
#include "common/CommandLine.h"
#include "common/Log.h"

int main(int argc, char* argv[]) {
  using namespace mamori;
  // `mamori-agent scan ...` is a one-shot command, not the resident agent.
  // (mamori-scan is the same command in a lean binary: agent/app/ScanMain.cpp.)
  if (argc > 1 && std::string_view(argv[1]) == "scan") {
    return agent::runScanCommand("mamori-agent scan", std::vector<std::string>(argv + 2, argv + argc));
  }
  // `mamori-agent request ...`: an employee asks for a blocked device.
  if (argc > 1 && std::string_view(argv[1]) == "request") return agent::runRequestCommand(argc, argv);
  // `mamori-agent printing release`: the print gate's holds lifted when the agent cannot (systemd, prerm).
  if (argc > 1 && std::string_view(argv[1]) == "printing") {
    auto spooler = agent::makeLinuxPrintSpooler();
    return agent::runPrintReleaseCommand(argc, argv, *spooler);
  }
  // `mamori-agent ctl ...` and `mamori-agent exception CODE` talk to the running agent.
  if (argc > 1 && (std::string_view(argv[1]) == "ctl" || std::string_view(argv[1]) == "exception")) {
    return agent::runCtlCommand(argc, argv);
  }
  common::log::setProgramName("mamori-agent");
  auto expanded = agent::expandConfigFile(std::vector<std::string>(argv + 1, argv + argc));
  if (!expanded) return common::usageError("mamori-agent", expanded.error().describe());
  auto options = agent::parseAgentOptions(expanded.value().args);
  if (!options) {
    const std::string& config = expanded.value().configFile;
    return common::usageError("mamori-agent",
                              options.error().describe() + (config.empty() ? "" : " (command line or " + config + ")"));
  }
  options.value().configFile = expanded.value().configFile;
  if (options.value().help) {
    std::cout << agent::agentUsage();
    return agent::kExitOk;
  }
  common::log::setLevel(options.value().logLevel);
  // Everything the agent writes (identity with the node key, spool with event details) is for the
  // agent alone.
  ::umask(077);

  QCoreApplication app(argc, argv);
  auto watcher = agent::SignalWatcher::install();
  if (!watcher) {
    common::log::error(watcher.error().describe());
    return agent::kExitRuntime;
  }
  auto drivers = agent::makeLinuxDrivers(options.value());
  agent::Agent runtime(std::move(options).value(), std::move(drivers));
  QObject::connect(watcher.value().get(), &agent::SignalWatcher::stopRequested, &runtime, [&runtime](int signo) {
    runtime.requestStop(agent::kExitOk, signo == SIGINT ? "SIGINT" : "SIGTERM");
  });
  int code = runtime.start();
  if (code == agent::Agent::kRunning) {
    QCoreApplication::exec();
    code = runtime.exitCode();
  }
  if (!runtime.close()) {
    // A worker thread is still inside a network call: do not run static destructors under it.
    std::fflush(stderr);
    std::_Exit(code);
  }
  return code;
}
