#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <cstdio>
#include <sstream>

#include "collector/ctl/Commands.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kAgentsUsage =
    "usage: mamorictl agents [--json]\n"
    "       mamorictl agents set-group AGENT_ID GROUP\n"
    "\n"
    "Lists enrolled agents: id, host, last seen (UTC), whether it fell silent (nothing heard for three\n"
    "heartbeat intervals), events waiting in its spool, version.\n"
    "  --json   one agent JSON object per line instead of a table\n"
    "set-group moves an agent to another group: it fetches that group's policy at its next poll\n"
    "(mamorictl policy status shows when it applied it).\n"
    "exit codes: 0 ok, 1 collector or network error, 2 usage error\n";

}  // namespace

int reportError(int code, const std::string& message) {
  std::fprintf(stderr, "mamorictl: %s\n", message.c_str());
  return code;
}

namespace {

int setGroup(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  if (args.size() != 3) {
    return reportError(kExitUsage, "usage: mamorictl agents set-group AGENT_ID GROUP (see mamorictl agents --help)");
  }
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  Poco::JSON::Object body;
  body.set("group", args[2]);
  std::ostringstream text;
  body.stringify(text);
  auto answer = client.value()->send("PUT", "/api/v1/agents/" + common::net::urlEncode(args[1]) + "/group", text.str());
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
  std::printf("agent %s is now in group %s\n", args[1].c_str(), args[2].c_str());
  return kExitOk;
}

}  // namespace

int runAgentsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kAgentsUsage, stdout);
      return kExitOk;
    }
  }
  if (!args.empty() && args.front() == "set-group") return setGroup(connection, args);
  bool json = false;
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kAgentsUsage, stdout);
      return kExitOk;
    }
    if (arg == "--json") {
      json = true;
    } else {
      return reportError(kExitUsage, "agents: unknown option \"" + arg + "\" (see mamorictl agents --help)");
    }
  }
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/agents");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const auto agents = answer.value()->getArray("agents");
  if (agents.isNull()) return reportError(kExitFailure, "the collector's answer has no \"agents\" list");
  std::vector<std::vector<std::string>> rows = {
      {"AGENT ID", "HOST", "GROUP", "LAST SEEN", "SILENT", "SPOOL", "VERSION"}};
  for (std::size_t i = 0; i < agents->size(); ++i) {
    const auto agent = agents->getObject(static_cast<unsigned>(i));
    if (agent.isNull()) continue;
    if (json) {
      std::ostringstream line;
      Poco::JSON::Stringifier::condense(agent, line);
      std::printf("%s\n", line.str().c_str());
      continue;
    }
    rows.push_back({jsonText(agent, "agent_id"), jsonText(agent, "host"), jsonText(agent, "group"),
                    jsonText(agent, "last_seen"), jsonText(agent, "silent") == "true" ? "yes" : "no",
                    jsonText(agent, "spool_events"), jsonText(agent, "agent_version")});
  }
  if (!json) std::fputs(formatTable(rows).c_str(), stdout);
  return kExitOk;
}

}  // namespace mamori::collector::ctl
