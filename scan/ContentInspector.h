#pragma once
// Inspects one file's bytes: extraction, decoding, YARA over every part (raw and decoded), detectors
// over text, thresholds. One per worker thread (it owns that thread's YARA scanners).

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "scan/Detector.h"
#include "scan/Extractor.h"
#include "scan/ScanConfig.h"
#include "scan/YaraScanner.h"

namespace mamori::scan {

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

}  // namespace mamori::scan
