#pragma once
// Inspects one file's bytes: extraction and decoding (in the sandbox worker when the config has a
// launcher, else in this process; plain text needs neither and is matched without a worker), YARA
// over every piece (raw and decoded), detectors over text, thresholds. One per worker thread (it owns that thread's
// YARA scanners and sandbox worker).

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "scan/Detector.h"
#include "scan/Pieces.h"
#include "scan/SandboxedExtractor.h"
#include "scan/ScanConfig.h"
#include "scan/YaraScanner.h"

namespace mamori::scan {

class ContentInspector {
 public:
  // A file's text beyond this is not fingerprinted nor matched against EDM sets (64 MiB of text: a
  // registered document is found long before; the bound keeps one worker's memory in check).
  static constexpr std::size_t kMaxSetTextBytes = 64U << 20U;

  static common::Result<std::unique_ptr<ContentInspector>> create(const ScanConfig& config);

  // Fills result.hits and result.notInspected (path, size and hash are the caller's). fd: the open
  // file data was read from, handed to the sandbox worker (-1: the bytes are sent instead).
  void inspect(std::string_view data, FileResult& result, int fd = -1);

  // The sandboxed extraction, or null when extraction runs in this process.
  const SandboxedExtractor* sandbox() const { return sandbox_.get(); }
  // CPU time spent outside this process on this inspector's files (its sandbox workers), so far.
  std::int64_t extractionCpuNs() const { return sandbox_ ? sandbox_->workerCpuNs() : 0; }

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

  void scanPiece(const Piece& piece, FileResult& result);
  void runYara(const std::string& location, std::string_view data, FileResult& result);
  void applyThresholds(FileResult& result) const;
  // Registered documents found in the file's text, gathered over all of its pieces.
  void matchFingerprints(FileResult& result, std::string_view text);
  // Rows of registered tables found in the file's text (the same text).
  void matchEdm(FileResult& result, std::string_view text);

  ExtractionLimits limits_;
  std::unique_ptr<SandboxedExtractor> sandbox_;
  std::vector<RuleSetScanner> scanners_;
  std::vector<DetectorEntry> detectors_;
  std::vector<FingerprintScanSet> fingerprintSets_;
  std::vector<EdmScanSet> edmSets_;
  std::string setText_;  // the file's text for the sets (fingerprints, EDM): each piece's, bounded
  int timeoutSeconds_;
  std::chrono::steady_clock::time_point deadline_;
  bool timedOut_ = false;
};

}  // namespace mamori::scan
