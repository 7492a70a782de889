#include "collector/ctl/SetCommands.h"

#include <cstdio>

#include "common/Files.h"
#include "common/Utf8.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/Sampling.h"

namespace mamori::collector::ctl {

common::Result<fingerprint::FingerprintKey> fetchFleetKey(AdminClient& client, bool documents) {
  auto answer = client.getJson("/api/v1/fingerprint-key");
  if (!answer) return answer.error();
  // The collector builds the set from what this program hashes: both must use one scheme
  // (docs/decisions/0049; a collector before it answers no "hash" and takes HMAC-SHA-256 hashes).
  const std::string scheme = jsonText(answer.value(), "hash");
  if (scheme != fingerprint::kSetHashScheme)
    return common::makeError("the collector builds sets of " + (scheme.empty() ? std::string("HMAC-SHA-256") : scheme) +
                             " hashes, this mamorictl hashes with " + std::string(fingerprint::kSetHashScheme) +
                             ": use the mamorictl of the collector's version");
  // A collector before fingerprint set format 4 names no selection: it builds sets of winnowed k-grams.
  const std::string selection = jsonText(answer.value(), "selection");
  if (documents && selection != fingerprint::kDocumentSelection)
    return common::makeError("the collector builds fingerprint sets of k-grams selected by " +
                             (selection.empty() ? std::string("winnowing (set format 3)") : selection) +
                             ", this mamorictl selects them by " + std::string(fingerprint::kDocumentSelection) +
                             ": use the mamorictl of the collector's version");
  auto key = fingerprint::FingerprintKey::fromText(jsonText(answer.value(), "key"));
  if (!key) return common::makeError("the collector's fingerprint key: " + key.error().message);
  return key;
}

int exportSignedSet(const ConnectionOptions& connection, const std::string& route, const std::string& what,
                    const std::string& set, const std::string& output) {
  if (!fingerprint::isSafeSetName(set)) return reportError(kExitUsage, what + " export: not a set name: " + set);
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->send("GET", route + set + "/artifact", "");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
  // The key is in the file: it is as sensitive as the agent's own copy (mode 0600).
  if (auto written = common::writeFileAtomically(output, answer.value().body, 0600); !written)
    return reportError(kExitFailure, written.error().describe());
  std::printf("wrote %s (set %s, %zu bytes)\n", common::visibleText(output).c_str(), set.c_str(),
              answer.value().body.size());
  return kExitOk;
}

int listSignedSets(const ConnectionOptions& connection, const std::string& route,
                   const std::vector<std::pair<std::string, std::string>>& columns, bool json) {
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson(route);
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const auto sets = answer.value()->getArray("sets");
  if (sets.isNull()) return reportError(kExitFailure, "the collector's answer has no \"sets\" list");
  std::vector<std::vector<std::string>> rows(1);
  for (const auto& [header, member] : columns) rows.front().push_back(header);
  for (std::size_t i = 0; i < sets->size(); ++i) {
    const auto item = sets->getObject(static_cast<unsigned>(i));
    if (item.isNull()) continue;
    if (json) {
      printJsonLine(item);
      continue;
    }
    rows.emplace_back();
    for (const auto& [header, member] : columns) rows.back().push_back(jsonText(item, member));
  }
  if (!json) std::fputs(formatTable(rows).c_str(), stdout);
  return kExitOk;
}

int removeSignedSet(const ConnectionOptions& connection, const std::string& route, const std::string& what,
                    const std::string& set) {
  if (!fingerprint::isSafeSetName(set)) return reportError(kExitUsage, what + " remove: not a set name: " + set);
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->send("DELETE", route + set, "");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
  std::printf("removed set %s\n", set.c_str());
  return kExitOk;
}

}  // namespace mamori::collector::ctl
