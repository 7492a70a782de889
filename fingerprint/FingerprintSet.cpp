#include "fingerprint/FingerprintSet.h"

#include <algorithm>
#include <bit>
#include <numeric>

namespace mamori::fingerprint {

unsigned documentBits(std::size_t documents) {
  return static_cast<unsigned>(std::bit_width(documents > 0 ? documents - 1 : 0));
}

FingerprintSet buildFingerprintSet(std::string name, std::int64_t version, std::string keyId,
                                   const std::vector<RegisteredDocument>& documents, std::int64_t boilerplateDocs,
                                   const SamplingParams& params) {
  FingerprintSet set;
  set.name = std::move(name);
  set.version = version;
  set.keyId = std::move(keyId);
  set.params = params;
  set.boilerplateDocs = boilerplateDocs;
  struct Pair {
    std::uint64_t hash;
    std::uint32_t doc;
  };
  std::vector<Pair> pairs;
  pairs.reserve(std::accumulate(documents.begin(), documents.end(), std::size_t{0},
                                [](std::size_t n, const RegisteredDocument& d) { return n + d.hashes.size(); }));
  for (std::uint32_t i = 0; i < documents.size(); ++i) {
    set.documents.push_back({documents[i].id, documents[i].chars, 0});
    for (const std::uint64_t hash : documents[i].hashes) pairs.push_back({hash, i});
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const Pair& a, const Pair& b) { return a.hash != b.hash ? a.hash < b.hash : a.doc < b.doc; });
  pairs.erase(std::unique(pairs.begin(), pairs.end(),
                          [](const Pair& a, const Pair& b) { return a.hash == b.hash && a.doc == b.doc; }),
              pairs.end());
  std::vector<SetIndex::Entry> kept;
  for (std::size_t i = 0; i < pairs.size();) {
    std::size_t j = i;
    while (j < pairs.size() && pairs[j].hash == pairs[i].hash) ++j;
    const auto holders = static_cast<std::int64_t>(j - i);
    if (boilerplateDocs >= 2 && holders >= boilerplateDocs) {
      ++set.boilerplateDropped;
    } else {
      for (std::size_t p = i; p < j; ++p) kept.push_back({pairs[p].hash, pairs[p].doc});
    }
    i = j;
  }
  pairs.clear();
  pairs.shrink_to_fit();
  set.index = SetIndex::build(std::move(kept), documentBits(set.documents.size()));
  // Counted from the index: entries that differ only in hash bits it does not keep are stored once.
  for (std::uint64_t i = 0; i < set.index.size(); ++i) ++set.documents[set.index.payloadAt(i)].fingerprints;
  return set;
}

}  // namespace mamori::fingerprint
