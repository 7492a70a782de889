// mamori-bench-fingerprint: the fingerprint side of a scan stage by stage, with a real signed set
// (bench/README.md, docs/decisions/0063 addendum 2): every file of DIR normalised alone (8 KiB pieces,
// as fingerprintText cuts them), fingerprinted (normalised, sampled, hashed), and matched against the
// set (matchDocuments: the filter, the index's lookups, containment and runs), the lookups also alone.
// Thread CPU, best of --rounds.
//   mamori-bench-fingerprint [--rounds N] [--probe W/P] [--every N] [--anchored A [--real DIR]]
//                            SET.fingerprints COLLECTOR-KEY.pem DIR
// --probe W/P also measures a first pass over part of each text (W bytes of every P, each window
// fingerprinted alone and looked up) followed by the whole pass only for the files where it found a
// fingerprint of the set: what such a "cannot match" test would cost and which matches it would miss
// (docs/decisions/0067; measured, not used by the scanner). It also counts the files holding any
// fingerprint of the set.
// --every N also times fingerprintText selecting one k-gram in N (1024: the selection's cost with almost
// nothing to encode, hash or look up; docs/decisions/0069).
// --anchored A also measures a selection anchored on characters a pass over the raw bytes finds (class A,
// 0 to 31; anchoredFingerprints below): an upper bound of its fast path's cost, and the definition's
// density and 300-character runs without an anchor per class, by kind of text (the tree's English,
// Japanese and EDM files, and the texts under --real DIR). Measured, not used by the scanner (0069).
// bench/sets.py --keep DIR leaves all three (DIR/bench.fingerprints, DIR/policy.pub, DIR/tree).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "bench/ThreadClock.h"
#include "common/CpuFeatures.h"
#include "fingerprint/DocumentMatcher.h"
#include "fingerprint/Sampling.h"
#include "fingerprint/TextNormalizer.h"
#include "scan/FingerprintBundle.h"

namespace fp = mamori::fingerprint;
using mamori::bench::threadSeconds;

namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  return body.str();
}

// --anchored A (docs/decisions/0069): the fast path of a selection anchored on characters a pass over
// the raw bytes can find, as an optimistic prototype (it is not the scanner's selection, and it skips
// the exact path a real one needs for text whose normalisation differs from itself). A normalised character c is an
// anchor when the low 5 bits of its UTF-8 encoding's last byte are A (for ASCII letters and digits and their full-width
// forms those bits agree whatever the case or width); the k-gram starting at each anchor is selected. The raw pass
// finds a superset of the anchors (letters, digits and the last bytes of multi-byte characters with those bits), 32
// bytes a step with AVX2; only a window after each candidate is normalised, encoded and hashed.
void rawAnchorsFrom(std::string_view text, std::size_t i, unsigned a, std::vector<std::uint32_t>& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());  // NOLINT
  const std::size_t n = text.size();
  for (; i < n; ++i) {
    const unsigned v = p[i];
    const bool last = (v & 0xC0U) == 0x80U && (i + 1 == n || (p[i + 1] & 0xC0U) != 0x80U);
    const unsigned lower = v | 0x20U;
    const bool alnum = (lower >= 0x61 && lower <= 0x7A) || (v >= 0x30 && v <= 0x39);
    if ((v & 31U) == a && (alnum || last)) out.push_back(static_cast<std::uint32_t>(i));
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,bmi"))) void rawAnchorsAvx2(std::string_view text, unsigned a,
                                                        std::vector<std::uint32_t>& out) {
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());  // NOLINT
  const std::size_t n = text.size();
  const __m256i low5 = _mm256_set1_epi8(31), want = _mm256_set1_epi8(static_cast<char>(a));
  const __m256i top2 = _mm256_set1_epi8(static_cast<char>(0xC0)), cont = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i bit5 = _mm256_set1_epi8(0x20);
  std::size_t i = 0;
  for (; i + 33 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));         // NOLINT
    const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));  // NOLINT
    const __m256i eq = _mm256_cmpeq_epi8(_mm256_and_si256(v, low5), want);
    const __m256i isCont = _mm256_cmpeq_epi8(_mm256_and_si256(v, top2), cont);
    const __m256i nextCont = _mm256_cmpeq_epi8(_mm256_and_si256(next, top2), cont);
    const __m256i lower = _mm256_or_si256(v, bit5);
    const __m256i letter = _mm256_and_si256(_mm256_cmpgt_epi8(lower, _mm256_set1_epi8(0x60)),
                                            _mm256_cmpgt_epi8(_mm256_set1_epi8(0x7B), lower));
    const __m256i digit =
        _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(0x2F)), _mm256_cmpgt_epi8(_mm256_set1_epi8(0x3A), v));
    const __m256i lastCont = _mm256_andnot_si256(nextCont, isCont);
    auto mask = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_and_si256(eq, _mm256_or_si256(_mm256_or_si256(letter, digit), lastCont))));
    while (mask != 0) {
      out.push_back(static_cast<std::uint32_t>(i + static_cast<std::size_t>(__builtin_ctz(mask))));
      mask &= mask - 1;
    }
  }
  rawAnchorsFrom(text, i, a, out);
}
#endif

void rawAnchors(std::string_view text, unsigned a, std::vector<std::uint32_t>& out) {
#if defined(__x86_64__)
  if (mamori::common::cpuHas(mamori::common::CpuFeature::kAvx2)) {
    rawAnchorsAvx2(text, a, out);
    return;
  }
#endif
  out.clear();
  rawAnchorsFrom(text, 0, a, out);
}

// The anchored fast path over one text: the k-grams starting at the candidates, hashed. Answers the
// candidates found.
std::size_t anchoredFingerprints(std::string_view text, unsigned a, const fp::FingerprintKey& key, std::size_t k,
                                 std::vector<fp::Fingerprint>& out) {
  thread_local std::vector<std::uint32_t> anchors;
  thread_local fp::CharBuffer chars;
  thread_local std::vector<unsigned char> grams;
  thread_local std::string gram;
  constexpr std::size_t kBatch = 256, kSlot = 80;
  std::uint32_t offsets[kBatch], lengths[kBatch], starts[kBatch];
  std::uint64_t hashes[kBatch];
  grams.resize(kBatch * kSlot);
  out.clear();
  rawAnchors(text, a, anchors);
  std::size_t batch = 0;
  const auto flush = [&] {
    key.documentHashMany(grams.data(), offsets, lengths, batch, hashes);
    for (std::size_t i = 0; i < batch; ++i) out.push_back({hashes[i], starts[i]});
    batch = 0;
  };
  for (const std::uint32_t q : anchors) {
    std::size_t start = q;
    while (start > 0 && q - start < 3 && (static_cast<unsigned char>(text[start]) & 0xC0U) == 0x80U) --start;
    for (std::size_t w = k + k / 2;; w *= 2) {
      chars.clear();
      fp::appendNormalizedText(text.substr(start, w), chars);
      if (chars.size() >= k || start + w >= text.size()) break;
    }
    if (chars.size() < k) continue;
    gram.clear();
    fp::appendUtf8(gram, std::u32string_view(chars.data(), k));
    std::memcpy(grams.data() + batch * kSlot, gram.data(), std::min(gram.size(), kSlot - 8));
    offsets[batch] = static_cast<std::uint32_t>(batch * kSlot);
    lengths[batch] = static_cast<std::uint32_t>(std::min(gram.size(), kSlot - 8));
    starts[batch] = q;
    if (++batch == kBatch) flush();
  }
  if (batch > 0) flush();
  return anchors.size();
}

// The last byte of c's UTF-8 encoding, low 5 bits: the anchor class of --anchored.
unsigned anchorClass(char32_t c) {
  const std::uint32_t last = c < 0x80 ? c : (0x80U | (c & 0x3FU));
  return last & 31U;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::size_t probeWindow = 0, probePeriod = 0, every = 0;
  int anchored = -1;
  const char* realDir = nullptr;
  std::vector<const char*> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--anchored") == 0 && i + 1 < argc) {
      anchored = std::atoi(argv[++i]) & 31;
    } else if (std::strcmp(argv[i], "--real") == 0 && i + 1 < argc) {
      realDir = argv[++i];
    } else if (std::strcmp(argv[i], "--every") == 0 && i + 1 < argc) {
      every = static_cast<std::size_t>(std::atoll(argv[++i]));
    } else if (std::strcmp(argv[i], "--probe") == 0 && i + 1 < argc) {
      if (std::sscanf(argv[++i], "%zu/%zu", &probeWindow, &probePeriod) != 2 || probeWindow == 0 ||
          probePeriod < probeWindow) {
        std::fprintf(stderr, "--probe W/P: a window of W bytes in every P (0 < W <= P)\n");
        return 2;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  if (args.size() != 3) {
    std::fprintf(stderr,
                 "usage: mamori-bench-fingerprint [--rounds N] [--probe W/P] [--every N] [--anchored A [--real DIR]] "
                 "SET.fingerprints COLLECTOR-KEY.pem DIR\n");
    return 2;
  }
  auto file = mamori::scan::readSetFile(args[0]);
  auto pinned = mamori::common::PublicKey::fromPem(slurp(args[1]));
  if (!file || !pinned) {
    std::fprintf(stderr, "cannot read the set or the collector's key\n");
    return 2;
  }
  auto opened = mamori::scan::openFingerprintBundle(file.value(), pinned.value());
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 2;
  }
  const auto& set = *opened.value().set;
  const auto& key = *opened.value().key;
  fp::DocumentThresholds thresholds;
  thresholds.minContainment = 0.3;  // as bench/sets.py scans (--min-containment 30)
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(args[2]))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  for (const auto& path : paths) {
    texts.push_back(slurp(path));
    bytes += texts.back().size();
  }
  double normalising = 1e30, fingerprinting = 1e30, matching = 1e30, lookups = 1e30;
  std::size_t chars = 0, fingerprints = 0, matched = 0, found = 0;
  std::vector<std::vector<fp::Fingerprint>> all(texts.size());
  std::vector<std::uint64_t> hashes;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (int round = 0; round < rounds; ++round) {
    std::u32string buffer;
    chars = 0;
    const double t0 = threadSeconds();
    for (const auto& text : texts) {
      for (std::size_t from = 0; from < text.size();) {
        const std::size_t cut = fp::normalizationCut(text, std::min(from + (std::size_t{8} << 10U), text.size()));
        buffer.clear();
        fp::appendNormalizedText(std::string_view(text).substr(from, cut - from), buffer);
        from = cut;
        chars += buffer.size();
      }
    }
    const double t1 = threadSeconds();
    for (std::size_t i = 0; i < texts.size(); ++i) all[i] = fp::fingerprintText(texts[i], key, set.params);
    const double t2 = threadSeconds();
    fingerprints = matched = 0;
    for (const auto& text : all) {
      fingerprints += text.size();
      matched += fp::matchDocuments(set, text, thresholds).empty() ? 0 : 1;
    }
    const double t3 = threadSeconds();
    found = 0;
    for (const auto& text : all) {
      hashes.clear();
      for (const auto& fingerprint : text) hashes.push_back(fingerprint.hash);
      ranges.resize(hashes.size());
      set.index.findMany(hashes.data(), hashes.size(), ranges.data());
      for (const auto& range : ranges) found += range.second > range.first ? 1 : 0;
    }
    const double t4 = threadSeconds();
    normalising = std::min(normalising, t1 - t0);
    fingerprinting = std::min(fingerprinting, t2 - t1);
    matching = std::min(matching, t3 - t2);
    lookups = std::min(lookups, t4 - t3);
  }
  // Whether each file holds any fingerprint of the set (a fingerprint found by the index).
  const auto holdsAny = [&](const std::vector<fp::Fingerprint>& text) {
    hashes.clear();
    for (const auto& fingerprint : text) hashes.push_back(fingerprint.hash);
    ranges.resize(hashes.size());
    set.index.findMany(hashes.data(), hashes.size(), ranges.data());
    return std::any_of(ranges.begin(), ranges.end(), [](const auto& range) { return range.second > range.first; });
  };
  std::size_t holding = 0;
  for (const auto& text : all) holding += holdsAny(text) ? 1 : 0;
  std::string probeLine;
  if (probeWindow > 0) {
    double first = 1e30, whole = 1e30;
    std::size_t flagged = 0, examined = 0, kept = 0;
    std::vector<char> flags(texts.size());
    for (int round = 0; round < rounds; ++round) {
      flagged = examined = 0;
      const double t0 = threadSeconds();
      for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::string_view text = texts[i];
        bool hit = false;
        for (std::size_t block = 0; block < text.size() && !hit; block += probePeriod) {
          const std::size_t from = fp::normalizationCut(text, block);
          if (from >= text.size()) break;
          const std::size_t to = fp::normalizationCut(text, std::min(text.size(), from + probeWindow));
          examined += to - from;
          hit = holdsAny(fp::fingerprintText(text.substr(from, to - from), key, set.params));
        }
        flags[i] = hit ? 1 : 0;
        flagged += hit ? 1 : 0;
      }
      const double t1 = threadSeconds();
      kept = 0;
      for (std::size_t i = 0; i < texts.size(); ++i)
        if (flags[i] != 0)
          kept += fp::matchDocuments(set, fp::fingerprintText(texts[i], key, set.params), thresholds).empty() ? 0 : 1;
      const double t2 = threadSeconds();
      first = std::min(first, t1 - t0);
      whole = std::min(whole, t2 - t1);
    }
    char line[400];
    std::snprintf(line, sizeof line,
                  "probe %zu/%zu (%.1f%% of the bytes): %.1f ms, %zu files flagged; their whole pass %.1f ms; "
                  "together %.1f ms, %zu of the %zu matches kept\n",
                  probeWindow, probePeriod, 100.0 * static_cast<double>(examined) / static_cast<double>(bytes),
                  first * 1e3, flagged, whole * 1e3, (first + whole) * 1e3, kept, matched);
    probeLine = line;
  }
  std::string extra;
  if (every > 0) {
    fp::SamplingParams params = set.params;
    params.every = every;
    double best = 1e30;
    std::size_t count = 0;
    for (int round = 0; round < rounds; ++round) {
      count = 0;
      const double t0 = threadSeconds();
      for (const auto& text : texts) count += fp::fingerprintText(text, key, params).size();
      best = std::min(best, threadSeconds() - t0);
    }
    char line[200];
    std::snprintf(line, sizeof line, "fingerprintText selecting 1 in %zu: %.1f ms, %zu fingerprints\n", every,
                  best * 1e3, count);
    extra += line;
  }
  if (anchored >= 0) {
    const auto a = static_cast<unsigned>(anchored);
    double selecting = 1e30, matchingA = 1e30, lookupsA = 1e30, rawPass = 1e30;
    std::size_t candidates = 0, selected = 0, matchedA = 0;
    std::vector<std::vector<fp::Fingerprint>> anchoredAll(texts.size());
    for (int round = 0; round < rounds; ++round) {
      candidates = selected = matchedA = 0;
      {
        std::vector<std::uint32_t> positions;
        const double r0 = threadSeconds();
        for (const auto& text : texts) rawAnchors(text, a, positions);
        rawPass = std::min(rawPass, threadSeconds() - r0);
      }
      const double t0 = threadSeconds();
      for (std::size_t i = 0; i < texts.size(); ++i)
        candidates += anchoredFingerprints(texts[i], a, key, set.params.k, anchoredAll[i]);
      const double t1 = threadSeconds();
      for (const auto& text : anchoredAll) {
        selected += text.size();
        matchedA += fp::matchDocuments(set, text, thresholds).empty() ? 0 : 1;
      }
      const double t2 = threadSeconds();
      for (const auto& text : anchoredAll) {
        hashes.clear();
        for (const auto& fingerprint : text) hashes.push_back(fingerprint.hash);
        ranges.resize(hashes.size());
        set.index.findMany(hashes.data(), hashes.size(), ranges.data());
      }
      const double t3 = threadSeconds();
      selecting = std::min(selecting, t1 - t0);
      matchingA = std::min(matchingA, t2 - t1);
      lookupsA = std::min(lookupsA, t3 - t2);
    }
    char line[400];
    std::snprintf(line, sizeof line,
                  "anchored on class %u (optimistic prototype of the fast path): %zu raw candidates, %zu fingerprints; "
                  "raw pass alone %.1f ms; raw pass + windows normalised + hashed %.1f ms, matching %.1f ms (lookups "
                  "%.1f ms), side %.1f ms (against %.1f ms today)\n",
                  a, candidates, selected, rawPass * 1e3, selecting * 1e3, matchingA * 1e3, lookupsA * 1e3,
                  (selecting + matchingA) * 1e3, (fingerprinting + matching) * 1e3);
    extra += line;
    // The definition's density: anchors (normalised characters of each class) per 300 normalised
    // characters, by kind of text.
    struct Group {
      const char* name;
      std::size_t chars = 0;
      std::size_t perClass[32] = {};
      std::size_t windows = 0;            // 300-character windows of the normalised texts
      std::size_t emptyWindows[32] = {};  // of them, those holding no anchor of the class
    };
    Group groups[4] = {{"english (bench)"}, {"japanese (bench)"}, {"edm rows+japanese (bench)"}, {"real (--real)"}};
    std::vector<std::pair<int, std::string>> sample;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const auto& text = texts[i];
      const std::size_t high = static_cast<std::size_t>(
          std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0x80U) != 0; }));
      const int g = paths[i].string().find("/edm") != std::string::npos ? 2 : (high * 3 > text.size() ? 1 : 0);
      sample.emplace_back(g, text);
    }
    if (realDir != nullptr)
      for (const auto& entry : std::filesystem::recursive_directory_iterator(realDir))
        if (entry.is_regular_file()) sample.emplace_back(3, slurp(entry.path()));
    for (const auto& [g, text] : sample) {
      const std::u32string normalized = fp::normalizeText(text);
      groups[g].chars += normalized.size();
      for (const char32_t c : normalized) ++groups[g].perClass[anchorClass(c)];
      // A shared run of 300 characters is found only if it holds an anchor (its k-gram must lie
      // inside: anchors in its first 285 characters).
      for (std::size_t from = 0; from + 300 <= normalized.size(); from += 300) {
        std::uint32_t seen = 0;
        for (std::size_t i = from; i < from + 285; ++i) seen |= std::uint32_t{1} << anchorClass(normalized[i]);
        ++groups[g].windows;
        for (unsigned c = 0; c < 32; ++c) groups[g].emptyWindows[c] += ((seen >> c) & 1U) == 0 ? 1 : 0;
      }
    }
    for (const auto& group : groups) {
      if (group.chars == 0) continue;
      std::vector<double> per300;
      for (const std::size_t n : group.perClass)
        per300.push_back(300.0 * static_cast<double>(n) / static_cast<double>(group.chars));
      std::vector<double> sorted = per300;
      std::sort(sorted.begin(), sorted.end());
      std::snprintf(
          line, sizeof line,
          "  %-26s %9zu chars: anchors per 300 chars by class: min %.2f, 10%% %.2f, median %.2f, 90%% %.2f, "
          "max %.1f; %zu of 32 classes under 3; class %u %.2f\n",
          group.name, group.chars, sorted[0], sorted[3], sorted[16], sorted[28], sorted[31],
          static_cast<std::size_t>(std::count_if(per300.begin(), per300.end(), [](double d) { return d < 3; })), a,
          per300[a]);
      extra += line;
      std::vector<double> missed;
      for (const std::size_t n : group.emptyWindows)
        missed.push_back(100.0 * static_cast<double>(n) / static_cast<double>(std::max<std::size_t>(group.windows, 1)));
      std::sort(missed.begin(), missed.end());
      std::snprintf(
          line, sizeof line,
          "  %-26s 300-character runs without an anchor (missed): median class %.2f%%, 75%% %.2f%%, "
          "worst %.1f%%; %zu of 32 classes miss over 1%%\n",
          "", missed[16], missed[24], missed[31],
          static_cast<std::size_t>(std::count_if(missed.begin(), missed.end(), [](double m) { return m > 1; })));
      extra += line;
    }
  }
  const auto perByte = [bytes](double seconds) { return seconds * 1e9 / static_cast<double>(bytes); };
  std::printf(
      "%zu files, %.1f MiB, %zu characters kept, %zu fingerprints (%zu in the set), %zu files matched, %zu "
      "holding a fingerprint of the set\n",
      texts.size(), static_cast<double>(bytes) / (1 << 20), chars, fingerprints, found, matched, holding);
  std::printf("normalising alone:               %6.1f ms, %.3f ns a byte\n", normalising * 1e3, perByte(normalising));
  std::printf("fingerprintText (with the above): %6.1f ms, %.3f ns a byte\n", fingerprinting * 1e3,
              perByte(fingerprinting));
  std::printf("matchDocuments:                  %6.1f ms, %.3f ns a byte (its lookups alone %.1f ms)\n", matching * 1e3,
              perByte(matching), lookups * 1e3);
  std::printf("fingerprint side:                %6.1f ms, %.3f ns a byte (thread CPU, best of %d)\n",
              (fingerprinting + matching) * 1e3, perByte(fingerprinting + matching), rounds);
  std::fputs(probeLine.c_str(), stdout);
  std::fputs(extra.c_str(), stdout);
  return 0;
}
