#include "scan/ContentInspector.h"

#include <algorithm>
#include <cmath>

#include "fingerprint/EdmMatcher.h"
#include "fingerprint/Sampling.h"

namespace mamori::scan {

common::Result<std::unique_ptr<ContentInspector>> ContentInspector::create(const ScanConfig& config) {
  std::vector<RuleSetScanner> scanners;
  for (const auto& set : config.ruleSets) {
    auto scanner = YaraScanner::create(set.rules);
    if (!scanner) {
      auto error = scanner.error();
      error.where = "rule set " + set.name;
      return error;
    }
    scanners.push_back({set.name, std::move(scanner).value()});
  }
  return std::unique_ptr<ContentInspector>(new ContentInspector(config, std::move(scanners)));
}

ContentInspector::ContentInspector(const ScanConfig& config, std::vector<RuleSetScanner> scanners)
    : limits_(config.limits),
      scanners_(std::move(scanners)),
      fingerprintSets_(config.fingerprintSets),
      edmSets_(config.edmSets),
      timeoutSeconds_(config.fileTimeoutSeconds) {
  if (config.sandbox)
    sandbox_ = std::make_unique<SandboxedExtractor>(config.sandbox, config.limits,
                                                    std::chrono::seconds(config.extractTimeoutSeconds));
  if (config.creditCard.enabled)
    detectors_.push_back({std::make_unique<CreditCardDetector>(), config.creditCard.minCount});
  if (config.myNumber.enabled) detectors_.push_back({std::make_unique<MyNumberDetector>(), config.myNumber.minCount});
}

void ContentInspector::inspect(std::string_view data, FileResult& result, int fd) {
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds_);
  timedOut_ = false;
  setText_.clear();
  const PieceSink sink = [&](const Piece& piece) { scanPiece(piece, result); };
  if (sandbox_) {
    // Plain text and bytes of no known format have nothing to parse: their one piece is the document
    // itself, matched here without a round trip (and no worker is started for a tree of them).
    if (auto plain = plainPiece(data)) {
      sink(*plain);
    } else {
      sandbox_->extract(data, fd, sink, result.notInspected);
    }
  } else {
    extractPieces(data, limits_, sink, result.notInspected);
  }
  applyThresholds(result);
  matchEdm(result, setText_);
  matchFingerprints(result, setText_);
  setText_.clear();
}

// The text matched is the pieces' texts, each followed by '\n' (a piece's last line ends there).
void ContentInspector::matchEdm(FileResult& result, std::string_view text) {
  if (edmSets_.empty() || text.empty()) return;
  for (const auto& entry : edmSets_) {
    const auto match = fingerprint::matchEdm(*entry.set, *entry.key, text);
    if (match.rows == 0 || match.rows < entry.minRows) continue;
    std::string columns;
    for (const auto type : match.columnTypes)
      columns += (columns.empty() ? "" : "+") + std::string(fingerprint::edmTypeName(type));
    result.hits.push_back({"", HitKind::kEdm, entry.set->name + ":" + columns, match.rows});
  }
}

void ContentInspector::matchFingerprints(FileResult& result, std::string_view text) {
  if (fingerprintSets_.empty() || text.empty()) return;
  const fingerprint::FingerprintKey* lastKey = nullptr;
  fingerprint::SamplingParams lastParams{0, 0};
  std::vector<fingerprint::Fingerprint> fingerprints;
  for (const auto& entry : fingerprintSets_) {
    // Sets of one fleet share the key and parameters: the text is fingerprinted once for all of them
    // (normalised and sampled in one pass).
    if (lastKey != entry.key.get() || lastParams.k != entry.set->params.k ||
        lastParams.every != entry.set->params.every) {
      fingerprints = fingerprint::fingerprintText(text, *entry.key, entry.set->params);
      lastKey = entry.key.get();
      lastParams = entry.set->params;
    }
    for (const auto& match : fingerprint::matchDocuments(*entry.set, fingerprints, entry.thresholds)) {
      const auto percent = static_cast<std::int64_t>(std::llround(match.containment * 100.0));
      result.hits.push_back(
          {"", HitKind::kFingerprint, entry.set->name + ":" + entry.set->documents[match.document].id, percent});
    }
  }
}

void ContentInspector::runYara(const std::string& location, std::string_view data, FileResult& result) {
  for (auto& set : scanners_) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline_ - std::chrono::steady_clock::now());
    if (left.count() < 1) {
      // The budget covers the whole file: later parts are listed rather than scanned past it.
      if (!timedOut_)
        result.notInspected.push_back(
            {location, "YARA time budget for the file exhausted", common::ErrorKind::kTimedOut});
      timedOut_ = true;
      return;
    }
    auto matches = set.scanner->scan(data, static_cast<int>(left.count()));
    if (!matches) {
      result.notInspected.push_back({location, matches.error().message, matches.error().kind});
      continue;
    }
    for (auto& match : matches.value()) {
      const std::string name = set.name + ":" + match.rule;
      auto same = std::find_if(result.hits.begin(), result.hits.end(), [&](const Hit& hit) {
        return hit.kind == HitKind::kRule && hit.location == location && hit.name == name;
      });
      // Raw and decoded copies of one part are the same text: keep the larger count, do not add.
      if (same != result.hits.end()) {
        same->count = std::max(same->count, match.count);
      } else {
        result.hits.push_back({location, HitKind::kRule, name, match.count});
      }
    }
  }
}

void ContentInspector::scanPiece(const Piece& piece, FileResult& result) {
  runYara(piece.location, piece.raw, result);
  if (!piece.decoded.empty()) runYara(piece.location, piece.decoded, result);
  if (piece.detectOn == DetectOn::kNone) return;
  const std::string_view text = pieceText(piece);
  if ((!fingerprintSets_.empty() || !edmSets_.empty()) && setText_.size() < kMaxSetTextBytes) {
    setText_.append(fingerprintText(piece).substr(0, kMaxSetTextBytes - setText_.size()));
    setText_.push_back('\n');
  }
  for (const auto& entry : detectors_) {
    const std::int64_t found = entry.detector->count(text);
    if (found > 0) result.hits.push_back({piece.location, HitKind::kDetector, entry.detector->name(), found});
  }
}

void ContentInspector::applyThresholds(FileResult& result) const {
  // min_count is per file: numbers spread over a workbook's sheets add up.
  for (const auto& entry : detectors_) {
    const std::string name = entry.detector->name();
    std::int64_t total = 0;
    for (const auto& hit : result.hits) {
      if (hit.kind == HitKind::kDetector && hit.name == name) total += hit.count;
    }
    if (total >= entry.minCount) continue;
    std::erase_if(result.hits, [&](const Hit& hit) { return hit.kind == HitKind::kDetector && hit.name == name; });
  }
}

}  // namespace mamori::scan
