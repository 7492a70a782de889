// mamori-bench-fingerprint: the fingerprint side of a scan stage by stage, with a real signed set
// (bench/README.md, docs/decisions/0063 addendum 2): every file of DIR normalised alone (8 KiB pieces,
// as fingerprintText cuts them), fingerprinted (normalised, sampled, hashed), and matched against the
// set (matchDocuments: the filter, the index's lookups, containment and runs), the lookups also alone.
// Thread CPU, best of --rounds.
//   mamori-bench-fingerprint [--rounds N] [--probe W/P] SET.fingerprints COLLECTOR-KEY.pem DIR
// --probe W/P also measures a first pass over part of each text (W bytes of every P, each window
// fingerprinted alone and looked up) followed by the whole pass only for the files where it found a
// fingerprint of the set: what such a "cannot match" test would cost and which matches it would miss
// (docs/decisions/0067; measured, not used by the scanner). It also counts the files holding any
// fingerprint of the set.
// bench/sets.py --keep DIR leaves all three (DIR/bench.fingerprints, DIR/policy.pub, DIR/tree).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/ThreadClock.h"
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

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::size_t probeWindow = 0, probePeriod = 0;
  std::vector<const char*> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
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
                 "usage: mamori-bench-fingerprint [--rounds N] [--probe W/P] SET.fingerprints COLLECTOR-KEY.pem DIR\n");
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
  return 0;
}
