#pragma once
// A scan of directory trees: one walker feeding a bounded queue, N worker threads each with its own
// ContentInspector (its own YARA scanners over the shared rules), the incremental cache consulted
// before any file is read. Results go to a sink as they come (from worker threads, serialised).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/Result.h"
#include "scan/CpuBudget.h"
#include "scan/ScanCache.h"
#include "scan/ScanConfig.h"

namespace mamori::scan {

struct ScanSummary {
  std::int64_t files = 0;      // regular files seen
  std::int64_t filesRead = 0;  // read and inspected (not answered by the cache)
  std::int64_t cacheHits = 0;
  std::int64_t bytesRead = 0;
  std::int64_t filesWithHits = 0;
  std::int64_t notInspected = 0;  // files with at least one not-inspected part
  std::int64_t elapsedMs = 0;     // the pass inside the process: cache load, walk, scan, cache save
};

// Called for every file whose result is reportable (hits or not-inspected parts). Never concurrently.
using ResultSink = std::function<void(const FileResult& result)>;
// Called once per file when it is done (clean ones too), never concurrently: for progress displays
// (the inspection tool's bar). bytesRead is 0 for cache answers and files that were not read.
using ProgressSink = std::function<void(const std::string& path, std::int64_t bytesRead)>;

class ContentScanner {
 public:
  explicit ContentScanner(ScanConfig config);

  void setProgress(ProgressSink progress) { progress_ = std::move(progress); }
  // The agent's background scans are paced by a CPU budget (workers call pace() before each file);
  // without one (the CLI, the inspection tool) the scan runs at full speed.
  void setCpuBudget(std::shared_ptr<CpuBudget> budget) { budget_ = std::move(budget); }

  // Walks roots; stop (may be null) is polled between files. An error only when the scan cannot
  // start (rules unusable); per-file problems are results.
  common::Result<ScanSummary> run(const std::vector<std::string>& roots, const ResultSink& sink,
                                  const std::atomic<bool>* stop = nullptr);

  // One file's bytes (for the inspection tool and tests): hits and not-inspected parts.
  static common::Result<FileResult> inspectBytes(const ScanConfig& config, std::string_view data, std::string path);

  // Whether one of the first files a walk of roots meets (at most 8, each read at its start only) is
  // a document the light sandbox worker parses (a container format by its magic bytes): the scan
  // command then starts one while it compiles the rules (docs/decisions/0062, second addendum). A look
  // at the tree's first entries, not a walk.
  static bool firstFilesNeedExtraction(const std::vector<std::string>& roots, const std::vector<std::string>& exclude);

 private:
  ScanConfig config_;
  ProgressSink progress_;
  std::shared_ptr<CpuBudget> budget_;
};

}  // namespace mamori::scan
