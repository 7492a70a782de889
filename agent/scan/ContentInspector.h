#pragma once
// Inspects one file's bytes: extraction, decoding, YARA over every part (raw and decoded), detectors
// over text, thresholds. One per worker thread (it owns that thread's YARA scanners).

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "agent/scan/Detector.h"
#include "agent/scan/Extractor.h"
#include "agent/scan/ScanConfig.h"
#include "agent/scan/YaraScanner.h"
#include "common/Result.h"

namespace mamori::agent::scan {

class ContentInspector {
 public:
  static common::Result<std::unique_ptr<ContentInspector>> create(const ScanConfig& config);

  // Fills result.hits and result.notInspected (path, size and hash are the caller's).
  void inspect(std::string_view data, FileResult& result);

 private:
  struct RuleSetScanner {
    std::string name;
    std::unique_ptr<YaraScanner> scanner;
  };
  struct DetectorEntry {
    std::unique_ptr<Detector> detector;
    std::int64_t minCount;
  };
  ContentInspector(const ScanConfig& config, std::vector<RuleSetScanner> scanners);

  void scanPart(const std::string& location, std::string_view data, PartKind kind, FileResult& result);
  void runYara(const std::string& location, std::string_view data, FileResult& result);
  void applyThresholds(FileResult& result) const;

  Extractor extractor_;
  std::vector<RuleSetScanner> scanners_;
  std::vector<DetectorEntry> detectors_;
  int timeoutSeconds_;
  std::chrono::steady_clock::time_point deadline_;
  bool timedOut_ = false;
};

}  // namespace mamori::agent::scan
