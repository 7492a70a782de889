#include "scan/ScanConfig.h"

#include "common/Crypto.h"

namespace mamori::scan {

namespace {
// Raise when extraction or matching changes, so caches from older agents are dropped.
constexpr const char* kResultFormat = "mamori-scan-1";
}  // namespace

ScanConfig ScanConfig::fromPolicy(const policy::ContentScanSettings& settings) {
  ScanConfig config;
  config.ruleSets = settings.ruleSets;
  config.creditCard = settings.creditCard;
  config.myNumber = settings.myNumber;
  config.exclude = settings.exclude;
  config.threads = settings.threads;
  config.maxFileBytes = settings.maxFileBytes;
  config.limits.maxDepth = settings.archive.maxDepth;
  config.limits.maxMembers = settings.archive.maxMembers;
  config.limits.maxTotalBytes = settings.archive.maxTotalBytes;
  config.limits.maxRatio = settings.archive.maxRatio;
  return config;
}

std::string ScanConfig::fingerprint() const {
  std::string text = kResultFormat;
  for (const auto& set : ruleSets) text += "\nset " + set.name + "\n" + set.source;
  text += "\ncc " + std::to_string(creditCard.enabled) + " " + std::to_string(creditCard.minCount);
  text += "\nmn " + std::to_string(myNumber.enabled) + " " + std::to_string(myNumber.minCount);
  text += "\nmax " + std::to_string(maxFileBytes) + " " + std::to_string(limits.maxDepth) + " " +
          std::to_string(limits.maxMembers) + " " + std::to_string(limits.maxTotalBytes) + " " +
          std::to_string(limits.maxRatio) + " " + std::to_string(limits.memoryCapBytes);
  for (const auto& fp : fingerprintSets) {
    text += "\nfp " + fp.set->name + " " + std::to_string(fp.set->version) + " " + fp.set->keyId + " " +
            std::to_string(fp.thresholds.minContainment) + " " + std::to_string(fp.thresholds.minChars);
  }
  for (const auto& edm : edmSets) {
    text += "\nedm " + edm.set->name + " " + std::to_string(edm.set->version) + " " + edm.set->keyId + " " +
            std::to_string(edm.minRows);
  }
  return common::sha256Hex(text);
}

}  // namespace mamori::scan
