#include "fingerprint/DocumentMatcher.h"

#include <algorithm>
#include <unordered_map>

namespace mamori::fingerprint {

namespace {

struct Progress {
  std::vector<std::uint64_t> shared;  // the document's index records seen in the text (one per fingerprint)
  std::size_t lastSeq = SIZE_MAX;     // index in the text's fingerprints of the last one that matched
  std::uint32_t runStart = 0;         // position where the current run began
  std::int64_t longestRun = 0;
};

}  // namespace

std::vector<DocumentMatch> matchDocuments(const FingerprintSet& set, const std::vector<Fingerprint>& text,
                                          const DocumentThresholds& thresholds) {
  std::unordered_map<std::uint32_t, Progress> progress;
  const auto k = static_cast<std::int64_t>(set.params.k);
  std::vector<std::uint64_t> hashes(text.size());
  for (std::size_t seq = 0; seq < text.size(); ++seq) hashes[seq] = text[seq].hash;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges(text.size());
  set.index.findMany(hashes.data(), hashes.size(), ranges.data());
  for (std::size_t seq = 0; seq < text.size(); ++seq) {
    const Fingerprint& fp = text[seq];
    const auto [from, to] = ranges[seq];
    for (std::uint64_t record = from; record < to; ++record) {
      const auto doc = static_cast<std::uint32_t>(set.index.payloadAt(record));
      Progress& p = progress[doc];
      p.shared.push_back(record);
      // Consecutive selected fingerprints lie at most `window` characters apart, so a run of them that
      // all belong to the document stands for the text between the first and the last k-gram.
      if (p.lastSeq == SIZE_MAX || p.lastSeq + 1 != seq) p.runStart = fp.position;
      p.lastSeq = seq;
      p.longestRun = std::max<std::int64_t>(p.longestRun, static_cast<std::int64_t>(fp.position - p.runStart) + k);
    }
  }
  std::vector<DocumentMatch> out;
  for (auto& [doc, p] : progress) {
    std::sort(p.shared.begin(), p.shared.end());
    const auto shared = static_cast<std::int64_t>(std::unique(p.shared.begin(), p.shared.end()) - p.shared.begin());
    const std::int64_t total = set.documents[doc].fingerprints;
    const double containment = total > 0 ? static_cast<double>(shared) / static_cast<double>(total) : 0.0;
    const bool byContainment = shared >= thresholds.minFingerprints && containment >= thresholds.minContainment;
    const bool byRun = p.longestRun >= thresholds.minChars;
    if (byContainment || byRun) out.push_back({doc, std::min(containment, 1.0), p.longestRun, shared});
  }
  std::sort(out.begin(), out.end(), [](const DocumentMatch& a, const DocumentMatch& b) {
    return a.containment != b.containment ? a.containment > b.containment : a.document < b.document;
  });
  return out;
}

}  // namespace mamori::fingerprint
