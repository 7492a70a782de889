#pragma once
// What `mamorictl fingerprints` and `mamorictl edm` share: the fleet key that hashes on this machine,
// exporting a signed set with the key, and removing a set.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/ctl/AdminClient.h"
#include "collector/ctl/Commands.h"
#include "common/Result.h"
#include "fingerprint/FingerprintKey.h"

namespace mamori::collector::ctl {

// GET /api/v1/fingerprint-key (audited at the collector).
// documents: the key is for `fingerprints add`, whose k-gram selection the collector must share
// (docs/decisions/0063).
common::Result<fingerprint::FingerprintKey> fetchFleetKey(AdminClient& client, bool documents = false);
// route: "/api/v1/fingerprints/" or "/api/v1/edm/"; what: "fingerprints" or "edm" (for messages).
int exportSignedSet(const ConnectionOptions& connection, const std::string& route, const std::string& what,
                    const std::string& set, const std::string& output);
// `list`: the sets at route ("/api/v1/edm"), a table of the given columns (header, JSON member) or
// one JSON object per line.
int listSignedSets(const ConnectionOptions& connection, const std::string& route,
                   const std::vector<std::pair<std::string, std::string>>& columns, bool json);
int removeSignedSet(const ConnectionOptions& connection, const std::string& route, const std::string& what,
                    const std::string& set);

}  // namespace mamori::collector::ctl
