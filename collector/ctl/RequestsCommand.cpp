// mamorictl requests: employees' requests for a blocked device (docs/admin.md "Exception requests"):
// list them, approve one for a time window, refuse one with a note.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "collector/ctl/Commands.h"
#include "common/CommandLine.h"
#include "common/net/HttpsClient.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kRequestsUsage =
    "Usage: mamorictl requests [--all] [--agent ID] [--json]\n"
    "       mamorictl requests approve ID --minutes N [--note TEXT]\n"
    "       mamorictl requests refuse ID --note TEXT\n"
    "\n"
    "Employees' requests for a blocked device, sent from their PC with `mamori-agent request`. The list\n"
    "shows the waiting ones (--all: answered and expired too, newest first) with the PC, the local\n"
    "account that asked, the device and the reason. Everything but the id comes from the PC: it is\n"
    "shown with invisible and direction-changing characters as visible markers.\n"
    "  approve   opens the device on that PC for N minutes, once, from its next policy poll\n"
    "            (5 minutes by default)\n"
    "  refuse    keeps it blocked\n"
    "Both answers are in the audit trail. Of two administrators answering at once, one wins; the other\n"
    "is told the request was answered already (exit 3).\n";

constexpr const char* kRequestsExit =
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error\n"
    "  2  usage error\n"
    "  3  already answered or expired\n";

constexpr int kExitAnswered = 3;

int list(const ConnectionOptions& connection, bool all, const std::string& agent, bool json) {
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitFailure, client.error().describe());
  std::string path = "/api/v1/exception-requests?limit=1000";
  if (!agent.empty()) path += "&agent=" + common::net::urlEncode(agent);
  auto answer = client.value()->getJson(path);
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const auto requests = answer.value()->getArray("requests");
  std::vector<std::vector<std::string>> rows{{"ID", "STATE", "ASKED", "HOST", "USER", "DEVICE", "MINUTES", "REASON"}};
  std::size_t shown = 0;
  for (std::size_t i = 0; requests && i < requests->size(); ++i) {
    const auto request = requests->getObject(static_cast<unsigned>(i));
    if (!request || (!all && jsonText(request, "state") != "pending")) continue;
    ++shown;
    if (json) {
      printJsonLine(request);
      continue;
    }
    const std::string state = jsonText(request, "state");
    std::string minutes = shownText(request, "minutes_asked");
    if (state == "approved") minutes = shownText(request, "minutes") + " granted";
    rows.push_back({shownText(request, "id"), state, shownText(request, "created_at"), shownText(request, "host"),
                    shownText(request, "user"), shownText(request, "device_name"), minutes,
                    shownText(request, "reason")});
  }
  if (json) return kExitOk;
  std::fputs(formatTable(rows).c_str(), stdout);
  if (shown == 0) std::fputs(all ? "(no requests)\n" : "(no request is waiting; --all shows answered ones)\n", stdout);
  return kExitOk;
}

int answer(const ConnectionOptions& connection, const std::string& id, bool approve, std::int64_t minutes,
           const std::string& note) {
  Poco::JSON::Object body;
  if (approve) body.set("minutes", minutes);
  if (!note.empty() || !approve) body.set("note", note);
  std::ostringstream text;
  body.stringify(text);
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitFailure, client.error().describe());
  const std::string path =
      "/api/v1/exception-requests/" + common::net::urlEncode(id) + (approve ? "/approve" : "/refuse");
  auto sent = client.value()->send("POST", path, text.str());
  if (!sent) return reportError(kExitFailure, sent.error().describe());
  if (sent.value().status == 409) return reportError(kExitAnswered, sent.value().describe());
  if (sent.value().status != 200) return reportError(kExitFailure, sent.value().describe());
  const auto& o = sent.value().object;
  if (approve) {
    std::printf("approved %s: %s on %s for %s minutes, from the PC's next policy poll\n", shownText(o, "id").c_str(),
                shownText(o, "device_name").c_str(), shownText(o, "host").c_str(), shownText(o, "minutes").c_str());
  } else {
    std::printf("refused %s: %s on %s stays blocked\n", shownText(o, "id").c_str(), shownText(o, "device_name").c_str(),
                shownText(o, "host").c_str());
  }
  return kExitOk;
}

}  // namespace

int runRequestsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  bool all = false, json = false;
  std::string agent, note;
  std::int64_t minutes = 0;
  std::vector<std::string> words;
  namespace opt = common::opt;
  common::CommandLine line;
  line
      .table({
          {"--all", "", opt::flag(all), "list: answered and expired requests too, newest first"},
          {"--agent", "ID", opt::text(agent), "list: only this agent's requests"},
          {"--json", "", opt::flag(json), "list: one request JSON object per line instead of a table"},
          {"--minutes", "N", opt::integer(1, 10080, minutes), "approve: how long the device is open, 1 to 10080"},
          {"--note", "TEXT", opt::text(note), "shown to the employee (approve: optional; refuse: required, why)"},
      })
      .positionals(words);
  if (auto done =
          common::parseOrExit(line, args, "mamorictl requests", commandHelp(kRequestsUsage, line, kRequestsExit))) {
    return *done;
  }
  if (words.empty()) return list(connection, all, agent, json);
  if (words[0] != "approve" && words[0] != "refuse") {
    return reportError(kExitUsage, "requests: unknown word \"" + words[0] + "\" (approve, refuse)");
  }
  if (words.size() != 2) return reportError(kExitUsage, "requests " + words[0] + " ID: one request id");
  const bool approve = words[0] == "approve";
  if (approve && minutes == 0) return reportError(kExitUsage, "requests approve: --minutes N is required");
  if (!approve && note.empty()) {
    return reportError(kExitUsage, "requests refuse: --note TEXT is required (the employee reads why)");
  }
  return answer(connection, words[1], approve, minutes, note);
}

}  // namespace mamori::collector::ctl
