#include "scan/ContentInspector.h"

#include <algorithm>

#include "scan/TextDecoder.h"

namespace mamori::scan {

namespace {
// OLE2 compound files: .doc, .xls, .ppt before 2007.
constexpr std::string_view kOle2Magic{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8};
constexpr std::size_t kMinUtf16Run = 3;  // 社外秘 is three characters
}  // namespace

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
    : extractor_(config.limits), scanners_(std::move(scanners)), timeoutSeconds_(config.fileTimeoutSeconds) {
  if (config.creditCard.enabled)
    detectors_.push_back({std::make_unique<CreditCardDetector>(), config.creditCard.minCount});
  if (config.myNumber.enabled) detectors_.push_back({std::make_unique<MyNumberDetector>(), config.myNumber.minCount});
}

void ContentInspector::inspect(std::string_view data, FileResult& result) {
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds_);
  timedOut_ = false;
  extractor_.extract(
      data,
      [&](const std::string& location, std::string_view part, PartKind kind) {
        scanPart(location, part, kind, result);
      },
      result.notInspected);
  applyThresholds(result);
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

void ContentInspector::scanPart(const std::string& location, std::string_view data, PartKind kind, FileResult& result) {
  runYara(location, data, result);
  if (kind == PartKind::kContainer) return;
  const TextEncoding encoding = detectEncoding(data);
  std::string decoded;
  std::string_view text = data;
  if (encoding != TextEncoding::kUtf8 && encoding != TextEncoding::kUnknown) {
    decoded = transcodeToUtf8(data, encoding);
    runYara(location, decoded, result);
    text = decoded;
  } else if (encoding == TextEncoding::kUnknown && kind != PartKind::kText) {
    // Binary. Legacy Office files keep their text as UTF-16LE runs inside the compound file; any other
    // binary's digits are not numbers a person wrote (extracted text with stray bytes still is).
    if (data.substr(0, kOle2Magic.size()) != kOle2Magic) return;
    decoded = utf16leRuns(data, kMinUtf16Run);
    if (decoded.empty()) return;
    runYara(location, decoded, result);
    text = decoded;
  }
  for (const auto& entry : detectors_) {
    const std::int64_t found = entry.detector->count(text);
    if (found > 0) result.hits.push_back({location, HitKind::kDetector, entry.detector->name(), found});
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
