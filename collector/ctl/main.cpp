// mamorictl: the administrator's command line for the collector (docs/api.md).

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/ctl/Commands.h"
#include "collector/state/StateFiles.h"

namespace {

using namespace mamori::collector::ctl;

constexpr const char* kUsage =
    "Usage: mamorictl [global options] COMMAND [command options]\n"
    "\n"
    "Commands:\n"
    "  agents    list enrolled agents (silent ones flagged); agents set-group moves one\n"
    "  events    list or follow stored events\n"
    "  policy    validate a policy file, push it to a group, show it, see which agents applied it,\n"
    "            print the collector's policy public key\n"
    "  exception grant a temporary USB exception: challenge code in, response code out\n"
    "  requests  employees' requests for a blocked device: list, approve for a time, refuse with a note\n"
    "  inspections  home-PC inspection reports: upload one, list them, show one\n"
    "  audit     the administrators' audit trail: list it, or verify its hash chain\n"
    "  report    the fleet report (HTML or CSV) for a week or any period, or a weekly one the collector wrote\n"
    "  fingerprints  register company documents (hashed here, never sent), list, show, export, remove\n"
    "  edm           register a customer table for exact data match (hashed here), list, show, export, remove\n"
    "Run mamorictl COMMAND --help for a command's options.\n"
    "\n"
    "Global options:\n"
    "  --collector URL    the collector, e.g. https://collector:8443 (env MAMORI_COLLECTOR;\n"
    "                     default https://localhost:8443)\n"
    "  --ca-file FILE     the collector's certificate to trust, e.g. <state-dir>/tls/collector.crt\n"
    "                     (env MAMORI_CA_FILE; default: the system's CA store)\n"
    "  --token-file FILE  file holding the admin token (env MAMORI_ADMIN_TOKEN_FILE, or the token\n"
    "                     itself in env MAMORI_ADMIN_TOKEN)\n"
    "  --timeout SECONDS  how long to wait for one answer (default 30; fingerprints add and edm add\n"
    "                     wait at least 30 minutes for the collector to build the set)\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error\n"
    "  2  usage error\n"
    "  3  audit verify found the audit trail's chain broken, or requests approve/refuse found\n"
    "     the request answered already or expired\n";

std::string env(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): main() reads it before any thread starts
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

int main(int argc, char** argv) {
  ConnectionOptions connection;
  connection.collectorUrl = env("MAMORI_COLLECTOR");
  connection.caFile = env("MAMORI_CA_FILE");
  std::string tokenFile = env("MAMORI_ADMIN_TOKEN_FILE");
  std::string command;
  std::vector<std::string> commandArgs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    // The same grammar as everywhere (common/CommandLine): --name VALUE or --name=VALUE.
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    const bool global = arg == "--collector" || arg == "--ca-file" || arg == "--token-file" || arg == "--timeout";
    if (global) {  // accepted before or after the command
      if (!value) {
        if (i + 1 >= argc) return mamori::common::usageError("mamorictl", arg + ": expects a value");
        value = argv[++i];
      }
      if (value->empty()) return mamori::common::usageError("mamorictl", arg + ": expects a value");
      if (arg == "--timeout") {
        auto seconds = mamori::common::parseInteger(*value, 1, 86'400);
        if (!seconds) return mamori::common::usageError("mamorictl", arg + ": " + seconds.error().message);
        connection.timeoutMs = static_cast<int>(seconds.value()) * 1000;
        continue;
      }
      std::string& target = arg == "--collector" ? connection.collectorUrl
                            : arg == "--ca-file" ? connection.caFile
                                                 : tokenFile;
      target = *value;
    } else if (value) {
      if (command.empty()) return mamori::common::usageError("mamorictl", arg + ": unknown option (see --help)");
      commandArgs.emplace_back(argv[i]);  // a command's own --name=VALUE
    } else if (command.empty() && (arg == "--help" || arg == "-h")) {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (command.empty()) {
      if (arg.rfind('-', 0) == 0) return mamori::common::usageError("mamorictl", arg + ": unknown option (see --help)");
      command = arg;
    } else {
      commandArgs.push_back(arg);
    }
  }
  if (command.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (command == "exception" && exceptionCommandIsOffline(commandArgs)) return runExceptionCommand({}, commandArgs);
  if (command != "agents" && command != "events" && command != "policy" && command != "exception" &&
      command != "inspections" && command != "audit" && command != "fingerprints" && command != "edm" &&
      command != "report" && command != "requests") {
    return mamori::common::usageError("mamorictl",
                                      "unknown command \"" + command +
                                          "\" (commands: agents, events, policy, exception, requests, inspections, "
                                          "audit, report, fingerprints, edm)");
  }
  bool wantsHelp = false;
  for (const auto& arg : commandArgs) wantsHelp = wantsHelp || arg == "--help" || arg == "-h";
  // policy validate works offline: no collector, no token.
  if (command == "policy" && policyCommandIsOffline(commandArgs)) wantsHelp = true;
  if (connection.collectorUrl.empty()) connection.collectorUrl = "https://localhost:8443";
  if (!wantsHelp) {
    if (!tokenFile.empty()) {
      auto token = mamori::collector::state::readSecret(tokenFile);
      if (!token) return reportError(kExitUsage, "admin token: " + token.error().describe());
      connection.token = token.value();
    } else {
      connection.token = env("MAMORI_ADMIN_TOKEN");
    }
    if (connection.token.empty()) {
      return reportError(kExitUsage,
                         "no admin token: pass --token-file FILE or set MAMORI_ADMIN_TOKEN_FILE or "
                         "MAMORI_ADMIN_TOKEN");
    }
  }
  if (command == "policy") return runPolicyCommand(connection, commandArgs);
  if (command == "exception") return runExceptionCommand(connection, commandArgs);
  if (command == "inspections") return runInspectionsCommand(connection, commandArgs);
  if (command == "audit") return runAuditCommand(connection, commandArgs);
  if (command == "fingerprints") return runFingerprintsCommand(connection, commandArgs);
  if (command == "edm") return runEdmCommand(connection, commandArgs);
  if (command == "report") return runReportCommand(connection, commandArgs);
  if (command == "requests") return runRequestsCommand(connection, commandArgs);
  return command == "agents" ? runAgentsCommand(connection, commandArgs) : runEventsCommand(connection, commandArgs);
}
