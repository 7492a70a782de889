#pragma once
// The scanner's side of the extraction sandbox: one worker per scan thread, started on first use and
// replaced after it crashed, hung or ran out of memory. A document whose worker failed is reported as
// not inspected ("extractor crashed", "extractor timed out", "extractor out of memory"); pieces that
// arrived before the failure are still matched. docs/decisions/0022.

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "drivers/include/Sandbox.h"
#include "scan/Pieces.h"
#include "scan/ScanTypes.h"

namespace mamori::scan {

class SandboxedExtractor {
 public:
  SandboxedExtractor(std::shared_ptr<drivers::SandboxLauncher> launcher, ExtractionLimits limits,
                     std::chrono::milliseconds timeout);

  // document: the bytes the scanner read; fd: the file they came from (passed to the worker), or -1
  // to send the bytes themselves. The timeout counts the worker's time, not the sink's.
  void extract(std::string_view document, int fd, const PieceSink& sink, std::vector<NotInspected>& notInspected);

  // Workers started so far (the first one and every replacement): for tests and the benchmark.
  int workersStarted() const { return started_; }
  // CPU time the workers used so far, all of them (for the agent's CPU budget).
  std::int64_t workerCpuNs() const;

 private:
  enum class Outcome { kDone, kFailed, kRetry };
  Outcome exchange(std::string_view document, int fd, const PieceSink& sink, std::vector<NotInspected>& notInspected,
                   bool firstTry);
  // Stops the worker and appends why the document was not inspected.
  void fail(std::vector<NotInspected>& notInspected, std::chrono::milliseconds grace, const std::string& reason,
            common::ErrorKind kind);

  std::shared_ptr<drivers::SandboxLauncher> launcher_;
  ExtractionLimits limits_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<drivers::SandboxWorker> worker_;
  int started_ = 0;
  std::int64_t retiredCpuNs_ = 0;  // of the workers already stopped
};

}  // namespace mamori::scan
