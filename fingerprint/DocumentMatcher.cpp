#include "fingerprint/DocumentMatcher.h"

#include <algorithm>
#include <unordered_map>

namespace mamori::fingerprint {

namespace {

struct Progress {
  std::vector<std::uint64_t> shared;  // the document's index records seen in the text (one per fingerprint)
  std::size_t lastSeq = SIZE_MAX;     // index in the text's fingerprints of the last one that matched
  std::size_t runStart = 0;           // index in the text's fingerprints where the current run began
  std::int64_t longestRun = 0;
};

}  // namespace

std::vector<DocumentMatch> matchDocuments(const FingerprintSet& set, const std::vector<Fingerprint>& text,
                                          const DocumentThresholds& thresholds) {
  std::unordered_map<std::uint32_t, Progress> progress;
  const auto k = static_cast<std::int64_t>(set.params.k);
  const auto every = static_cast<std::int64_t>(set.params.every);
  // Kept per thread (every scanned file is matched, most of them against nothing), unless the text is
  // large enough that keeping them would hold the memory.
  constexpr std::size_t kKept = std::size_t{1} << 16U;
  thread_local std::vector<std::uint64_t> keptHashes;
  thread_local std::vector<std::pair<std::uint64_t, std::uint64_t>> keptRanges;
  std::vector<std::uint64_t> ownHashes;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ownRanges;
  auto& hashes = text.size() <= kKept ? keptHashes : ownHashes;
  auto& ranges = text.size() <= kKept ? keptRanges : ownRanges;
  hashes.resize(text.size());
  ranges.resize(text.size());
  for (std::size_t seq = 0; seq < text.size(); ++seq) hashes[seq] = text[seq].hash;
  set.index.findMany(hashes.data(), hashes.size(), ranges.data());
  // How far a run's end may lie beyond its selected k-gram at seq, towards the text's selected k-gram
  // before (after) it: up to that k-gram, which is not the document's (the run cannot hold it whole),
  // at most 2 x every characters; `every` (the mean gap) when there is none.
  const auto reach = [&](std::size_t seq, bool before) -> std::int64_t {
    if (before ? seq == 0 : seq + 1 >= text.size()) return every;
    const std::int64_t gap =
        before ? text[seq].position - text[seq - 1].position : text[seq + 1].position - text[seq].position;
    return std::min(gap - 1, 2 * every);
  };
  for (std::size_t seq = 0; seq < text.size(); ++seq) {
    const Fingerprint& fp = text[seq];
    const auto [from, to] = ranges[seq];
    for (std::uint64_t record = from; record < to; ++record) {
      const auto doc = static_cast<std::uint32_t>(set.index.payloadAt(record));
      Progress& p = progress[doc];
      p.shared.push_back(record);
      if (p.lastSeq == seq) continue;  // another record of the same hash (bits the index does not keep)
      // A run: consecutive selected k-grams of the text that all belong to the document. Its length is
      // taken from the first k-gram's start to the last one's end, each end moved out to the text's
      // neighbouring selected k-gram (at most 2 x every): selection is sampling (decision 0063), so
      // the shared text's ends lie somewhere in those gaps, and this is the longest it can be.
      if (p.lastSeq == SIZE_MAX || p.lastSeq + 1 != seq) p.runStart = seq;
      p.lastSeq = seq;
      const std::int64_t core = static_cast<std::int64_t>(fp.position) - text[p.runStart].position + k;
      p.longestRun = std::max(p.longestRun, core + reach(p.runStart, true) + reach(seq, false));
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
