#include "agent/contentscan/ContentSets.h"

namespace mamori::agent::contentscan {

const char* setKindName(SetKind kind) { return kind == SetKind::kEdm ? "edm" : "fingerprints"; }

void ContentSets::put(scan::FingerprintScanSet set) {
  const std::lock_guard lock(mutex_);
  fingerprints_[set.set->name] = std::move(set);
}

void ContentSets::put(scan::EdmScanSet set) {
  const std::lock_guard lock(mutex_);
  edm_[set.set->name] = std::move(set);
}

std::int64_t ContentSets::version(SetKind kind, const std::string& name) const {
  const std::lock_guard lock(mutex_);
  if (kind == SetKind::kEdm) {
    const auto it = edm_.find(name);
    return it == edm_.end() ? 0 : it->second.set->version;
  }
  const auto it = fingerprints_.find(name);
  return it == fingerprints_.end() ? 0 : it->second.set->version;
}

void ContentSets::attach(scan::ScanConfig& config, const policy::ContentScanSettings& settings) const {
  const std::lock_guard lock(mutex_);
  for (const auto& ref : settings.fingerprints) {
    const auto it = fingerprints_.find(ref.set);
    if (it == fingerprints_.end()) continue;
    scan::FingerprintScanSet set = it->second;
    set.thresholds.minContainment = ref.minContainment;
    set.thresholds.minChars = ref.minChars;
    config.fingerprintSets.push_back(std::move(set));
  }
  for (const auto& ref : settings.edm) {
    const auto it = edm_.find(ref.set);
    if (it == edm_.end()) continue;
    scan::EdmScanSet set = it->second;
    set.minRows = ref.minRows;
    config.edmSets.push_back(std::move(set));
  }
}

}  // namespace mamori::agent::contentscan
