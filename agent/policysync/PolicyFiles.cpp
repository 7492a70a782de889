#include "agent/policysync/PolicyFiles.h"

#include <variant>

#include "common/Files.h"

namespace mamori::agent {

namespace {
// Far above any real envelope (a policy is limited to 4 MiB before base64).
constexpr std::size_t kMaxEnvelopeBytes = std::size_t{8} << 20U;
}  // namespace

PolicyFiles::PolicyFiles(const std::string& stateDir)
    : policyPath_(stateDir + "/policy.json"),
      previousPath_(stateDir + "/policy.json.prev"),
      keyPath_(stateDir + "/policy-key.pem") {}

common::Result<std::optional<common::PublicKey>> PolicyFiles::loadPinnedKey() const {
  if (!common::fileExists(keyPath_)) return std::optional<common::PublicKey>();
  auto text = common::readSmallFile(keyPath_, std::size_t{64} * 1024);
  if (!text) return text.error();
  auto key = common::PublicKey::fromPem(text.value());
  if (!key) return common::makeError("not an Ed25519 public key: " + key.error().message, keyPath_);
  return std::optional<common::PublicKey>(std::move(key).value());
}

common::Status PolicyFiles::savePinnedKey(const common::PublicKey& key) const {
  return common::writeFileAtomically(keyPath_, key.pem(), 0600);
}

StartPolicy PolicyFiles::loadStart(const std::optional<common::PublicKey>& pinned, const std::string& group) const {
  StartPolicy start;
  const bool havePrevious = common::fileExists(previousPath_);
  for (const std::string* path : {&policyPath_, &previousPath_}) {
    if (!common::fileExists(*path)) {
      // A missing policy.json matters only when a previous one shows a policy had been applied.
      if (path == &policyPath_ && havePrevious) start.problems.push_back({*path, "the file is missing"});
      continue;
    }
    auto text = common::readSmallFile(*path, kMaxEnvelopeBytes);
    if (!text) {
      start.problems.push_back({*path, text.error().describe()});
      continue;
    }
    if (!pinned) {
      start.problems.push_back({*path, "no policy key is pinned, so the file cannot be verified"});
      continue;
    }
    auto verdict = policy::acceptSignedPolicy(text.value(), *pinned, 0, group);
    if (auto* rejected = std::get_if<policy::PolicyRejection>(&verdict)) {
      start.problems.push_back({*path, rejected->describe()});
      continue;
    }
    start.persisted =
        PersistedPolicy{std::get<policy::AcceptedPolicy>(std::move(verdict)), std::move(text).value(), *path};
    return start;
  }
  return start;
}

common::Status PolicyFiles::saveApplied(const std::string& envelope, const std::string& previousGood) const {
  if (!previousGood.empty()) {
    if (auto saved = common::writeFileAtomically(previousPath_, previousGood, 0600); !saved) return saved;
  }
  return common::writeFileAtomically(policyPath_, envelope, 0600);
}

}  // namespace mamori::agent
