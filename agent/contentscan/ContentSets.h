#pragma once
// The fingerprint and exact-data-match sets the agent holds (docs/decisions/0035): filled by SetSync
// from the collector and the state directory, read by every scan the agent starts (scheduled passes,
// activity's on-change scans), which take the sets their policy names with the policy's thresholds.
// Thread-safe: sets are replaced on the main thread and read by scan threads; a scan keeps the
// sets it started with (shared pointers) however long it runs.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "policy/ContentScanSettings.h"
#include "scan/FingerprintBundle.h"
#include "scan/ScanConfig.h"

namespace mamori::agent::contentscan {

enum class SetKind { kFingerprints, kEdm };
const char* setKindName(SetKind kind);  // "fingerprints", "edm"

class ContentSets {
 public:
  void put(scan::FingerprintScanSet set);
  void put(scan::EdmScanSet set);
  // The version held (0: none).
  std::int64_t version(SetKind kind, const std::string& name) const;
  // Adds to config the sets settings names that are held, with the settings' thresholds.
  void attach(scan::ScanConfig& config, const policy::ContentScanSettings& settings) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, scan::FingerprintScanSet> fingerprints_;
  std::map<std::string, scan::EdmScanSet> edm_;
};

}  // namespace mamori::agent::contentscan
