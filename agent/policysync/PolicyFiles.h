#pragma once
// The policy sync's files in the state directory:
//   policy-key.pem    the collector's policy public key, pinned at enrollment (0600)
//   policy.json       the signed envelope of the policy in force (0600, written atomically)
//   policy.json.prev  the one before it: the fallback when policy.json is corrupt or missing
// Whatever is read back is verified again (signature, validation, group) before it is used: a file
// in the state directory is input like any other.

#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"
#include "common/SigningKey.h"
#include "policy/PolicyAcceptance.h"

namespace mamori::agent {

// A persisted policy that verified at start.
struct PersistedPolicy {
  policy::AcceptedPolicy accepted;
  std::string envelope;  // the file's text
  std::string file;      // which file it came from
};

// A file that could not be used at start, and why.
struct PolicyFileProblem {
  std::string file;
  std::string error;
};

struct StartPolicy {
  std::optional<PersistedPolicy> persisted;  // nullopt: the built-in policy
  std::vector<PolicyFileProblem> problems;   // one per file skipped (empty on a clean start)
};

class PolicyFiles {
 public:
  explicit PolicyFiles(const std::string& stateDir);

  const std::string& policyPath() const { return policyPath_; }
  const std::string& previousPath() const { return previousPath_; }
  const std::string& keyPath() const { return keyPath_; }

  // nullopt when no key was pinned yet; an error when the file exists but is not an Ed25519 key.
  common::Result<std::optional<common::PublicKey>> loadPinnedKey() const;
  common::Status savePinnedKey(const common::PublicKey& key) const;

  // policy.json, else policy.json.prev, each verified with pinned and group (applied version 0:
  // what was applied before is exactly what is read back).
  StartPolicy loadStart(const std::optional<common::PublicKey>& pinned, const std::string& group) const;

  // Makes envelope the new policy.json; previousGood (the envelope in force until now, "" for the
  // built-in policy) becomes policy.json.prev first. Only verified text ever reaches either file,
  // so a corrupt policy.json never overwrites the good copy.
  common::Status saveApplied(const std::string& envelope, const std::string& previousGood) const;

 private:
  std::string policyPath_;
  std::string previousPath_;
  std::string keyPath_;
};

}  // namespace mamori::agent
