#include <Poco/JSON/Array.h>

#include <cstdio>
#include <sstream>

#include "collector/ctl/Commands.h"
#include "common/CommandLine.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kAgentsUsage =
    "Usage: mamorictl agents [--json]\n"
    "       mamorictl agents set-group AGENT_ID GROUP\n"
    "\n"
    "Lists enrolled agents: id, host, last seen (UTC), whether it fell silent (nothing heard for three\n"
    "heartbeat intervals), events waiting in its spool, version.\n"
    "set-group moves an agent to another group: it fetches that group's policy at its next poll\n"
    "(mamorictl policy status shows when it applied it).\n";

int setGroup(const ConnectionOptions& connection, const std::string& agentId, const std::string& group) {
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  Poco::JSON::Object body;
  body.set("group", group);
  std::ostringstream text;
  body.stringify(text);
  auto answer = client.value()->send("PUT", "/api/v1/agents/" + common::net::urlEncode(agentId) + "/group", text.str());
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
  std::printf("agent %s is now in group %s\n", agentId.c_str(), group.c_str());
  return kExitOk;
}

}  // namespace

int runAgentsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> words;
  common::CommandLine line;
  line.table({{"--json", "", common::opt::flag(json), "one agent JSON object per line instead of a table"}})
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, "mamorictl agents", commandHelp(kAgentsUsage, line, kExitStatus))) {
    return *done;
  }
  if (!words.empty()) {
    if (words[0] != "set-group")
      return reportError(kExitUsage, "agents: unknown word \"" + words[0] + "\" (set-group)");
    if (words.size() != 3 || json) {
      return reportError(kExitUsage, "agents set-group AGENT_ID GROUP: an agent id and a group, nothing else");
    }
    return setGroup(connection, words[1], words[2]);
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
      printJsonLine(agent);
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
