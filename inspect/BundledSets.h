#pragma once
// The fingerprint and exact-data-match sets the inspection policy names (content_scan.fingerprints,
// content_scan.edm), carried in the tool's folder by scripts/package-inspect.sh: sets/fingerprints-NAME.set
// and sets/edm-NAME.set (as `mamorictl fingerprints export` / `edm export` write them), checked
// against collector-key.pem (the collector's policy public key) before anything is scanned, like the
// policy itself. A named set that is missing or refused stops the tool: an inspection that silently
// skipped the customer table would report a clean PC.

#include <string>
#include <vector>

#include "common/Result.h"
#include "policy/ContentScanSettings.h"
#include "scan/FingerprintBundle.h"

namespace mamori::inspect {

struct BundledSets {
  std::vector<scan::FingerprintScanSet> fingerprints;  // with the policy's thresholds
  std::vector<scan::EdmScanSet> edm;
  std::vector<std::string> described;  // "edm customers v3" per set, for the report
};

// The file a set travels in, below the tool's folder.
std::string bundledSetPath(const std::string& toolDir, bool edm, const std::string& name);

common::Result<BundledSets> loadBundledSets(const std::string& toolDir, const policy::ContentScanSettings& settings);

}  // namespace mamori::inspect
