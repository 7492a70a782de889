// mamorictl inspections: home-PC inspection reports written by mamori-inspect (docs/inspect.md).

#include <Poco/JSON/Array.h>

#include <cstdio>

#include "collector/ctl/Commands.h"
#include "common/CommandLine.h"
#include "common/Files.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kInspectionsUsage =
    "Usage: mamorictl inspections [--json]\n"
    "       mamorictl inspections upload REPORT.json\n"
    "       mamorictl inspections show ID [--json]\n"
    "\n"
    "Inspection reports of employees' home PCs (mamori-inspect). upload sends a signed .json report;\n"
    "the collector refuses it unless its Ed25519 signature verifies, and stores it once (a second\n"
    "upload of the same report answers with the same id). The list shows id, host, when the\n"
    "inspection started, findings (critical), and the key id that signed it: compare it with the\n"
    "staff's inspect.pub (mamori-inspect verify pins the key). show prints one report's summary and\n"
    "findings.\n";

constexpr const char* kInspectionsExit =
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error (or the report was refused)\n"
    "  2  usage error\n";

int upload(const ConnectionOptions& connection, const std::string& file) {
  auto body = common::readSmallFile(file, 256U << 20U);
  if (!body) return reportError(kExitUsage, body.error().describe());
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->send("POST", "/api/v1/inspections", body.value());
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200 && answer.value().status != 201) {
    return reportError(kExitFailure, answer.value().describe());
  }
  const auto& o = answer.value().object;
  std::printf("%s %s (host %s, %s findings, signed by key %s)\n",
              answer.value().status == 201 ? "stored" : "already stored", shownText(o, "id").c_str(),
              shownText(o, "host").c_str(), shownText(o, "findings").c_str(), shownText(o, "key_id").c_str());
  return kExitOk;
}

int show(const ConnectionOptions& connection, const std::string& id, bool json) {
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/inspections/" + id);
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (json) {
    printJsonPretty(answer.value());
    return kExitOk;
  }
  const auto report = answer.value()->getObject("report");
  const auto run = report.isNull() ? nullptr : report->getObject("run");
  const auto findings = report.isNull() ? nullptr : report->getArray("findings");
  std::printf("host %s, user %s, %s to %s%s\n", shownText(run, "host").c_str(), shownText(run, "user").c_str(),
              shownText(run, "started").c_str(), shownText(run, "finished").c_str(),
              jsonText(run, "interrupted") == "true" ? " (interrupted: partial)" : "");
  std::vector<std::vector<std::string>> rows = {{"SEVERITY", "KIND", "DECISION", "PATH"}};
  for (std::size_t i = 0; !findings.isNull() && i < findings->size(); ++i) {
    const auto f = findings->getObject(static_cast<unsigned>(i));
    rows.push_back({jsonText(f, "severity"), jsonText(f, "kind"), jsonText(f, "decision"), jsonText(f, "path")});
  }
  std::fputs(formatTable(rows).c_str(), stdout);
  return kExitOk;
}

}  // namespace

int runInspectionsCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> words;
  common::CommandLine line;
  line.table({{"--json", "", common::opt::flag(json),
               "one report JSON object per line; with show, the signed document itself\n(mamori-inspect verify "
               "accepts it)"}})
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, "mamorictl inspections",
                                      commandHelp(kInspectionsUsage, line, kInspectionsExit))) {
    return *done;
  }
  if (words.size() == 2 && words[0] == "upload" && !json) return upload(connection, words[1]);
  if (words.size() == 2 && words[0] == "show") return show(connection, words[1], json);
  if (!words.empty()) {
    return reportError(kExitUsage, "inspections: expected nothing, upload FILE or show ID (see --help)");
  }
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/inspections");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const auto list = answer.value()->getArray("inspections");
  if (list.isNull()) return reportError(kExitFailure, "the collector's answer has no \"inspections\" list");
  std::vector<std::vector<std::string>> rows = {{"ID", "HOST", "STARTED", "FINDINGS", "CRITICAL", "KEY"}};
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto item = list->getObject(static_cast<unsigned>(i));
    if (item.isNull()) continue;
    if (json) {
      printJsonLine(item);
      continue;
    }
    rows.push_back({jsonText(item, "id"), jsonText(item, "host"), jsonText(item, "started"), jsonText(item, "findings"),
                    jsonText(item, "critical"), jsonText(item, "key_id")});
  }
  if (!json) std::fputs(formatTable(rows).c_str(), stdout);
  return kExitOk;
}

}  // namespace mamori::collector::ctl
