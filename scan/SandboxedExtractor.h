#pragma once
// The scanner's side of the extraction sandbox: one worker per scan thread, started on first use and
// replaced after it crashed, hung or ran out of memory. A document whose worker failed is reported as
// not inspected ("extractor crashed", "extractor timed out", "extractor out of memory"); pieces that
// arrived before the failure are still matched. docs/decisions/0022.
//
// Two kinds of worker (docs/decisions/0062), when the launcher has a fallback: the light one
// (mamori-extract-light, no libarchive) for every document, and the full one (mamori-extract), started
// only for a document that needs libarchive (7z, RAR, tar, cpio, ISO 9660, xz/bzip2/zstd, zip64, at any
// depth) and kept for the rest of the scan. A document the light worker gives up on part-way goes to
// the full worker, which skips the pieces already matched.

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

  // Workers started so far, both kinds (the first ones and every replacement): for tests and the benchmark.
  int workersStarted() const { return light_.started + full_.started; }
  // Of those, the full workers (the ones with libarchive) when there is a light one.
  int fullWorkersStarted() const { return light_.launcher ? full_.started : 0; }
  // CPU time the workers used so far, all of them (for the agent's CPU budget).
  std::int64_t workerCpuNs() const;

 private:
  // One kind of worker: its launcher, the running one, and what the stopped ones used.
  struct Slot {
    std::shared_ptr<drivers::SandboxLauncher> launcher;
    std::unique_ptr<drivers::SandboxWorker> worker;
    int started = 0;
    std::int64_t retiredCpuNs = 0;  // of the workers already stopped
    std::int64_t cpuNs() const { return retiredCpuNs + (worker ? worker->cpuTimeNs() : 0); }
    drivers::SandboxExit stop(std::chrono::milliseconds grace);
  };
  enum class Outcome { kDone, kFailed, kRetry, kNeedsArchives };
  // One request to slot's worker (started when there is none), replaced once when it died between
  // documents. skip: pieces the worker is not to send again; pieces: those this request received.
  Outcome run(Slot& slot, std::string_view document, int fd, const PieceSink& sink,
              std::vector<NotInspected>& notInspected, std::uint64_t skip, std::uint64_t& pieces);
  Outcome exchange(Slot& slot, std::string_view document, int fd, const PieceSink& sink,
                   std::vector<NotInspected>& notInspected, bool firstTry, std::uint64_t skip, std::uint64_t& pieces);
  // Stops the worker and appends why the document was not inspected.
  static void fail(Slot& slot, std::vector<NotInspected>& notInspected, std::chrono::milliseconds grace,
                   const std::string& reason, common::ErrorKind kind);

  ExtractionLimits limits_;
  std::chrono::milliseconds timeout_;
  Slot light_;  // the launcher's own workers when it has a fallback (mamori-extract-light); else unused
  Slot full_;   // the fallback's workers, or the launcher's when it has none (mamori-extract)
};

}  // namespace mamori::scan
