// mamori-bench-normalize: the fingerprint pass's normaliser alone (TextNormalizer), the fast kernels
// against the reference loop on the same files, each normalised in 8 KiB pieces as fingerprintText
// does. Thread CPU, best of --rounds, rounds alternating. bench/README.md.
//   mamori-bench-normalize [--rounds N] DIR|FILE...
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/ThreadClock.h"
#include "fingerprint/TextNormalizer.h"

namespace fp = mamori::fingerprint;
using mamori::bench::threadSeconds;

namespace {

using Append = void (*)(std::string_view, std::u32string&);

// Every text in 8 KiB pieces (cut where normalizationCut says, like fingerprintText); answers the
// characters kept and (when check) a checksum of them.
std::pair<std::size_t, std::uint64_t> run(const std::vector<std::string>& texts, Append append, bool check) {
  std::u32string chars;
  std::size_t count = 0;
  std::uint64_t sum = 0;
  for (const auto& text : texts) {
    for (std::size_t from = 0; from < text.size();) {
      const std::size_t cut = fp::normalizationCut(text, std::min(from + (std::size_t{8} << 10U), text.size()));
      chars.clear();
      append(std::string_view(text).substr(from, cut - from), chars);
      from = cut;
      count += chars.size();
      if (check)
        for (const char32_t c : chars) sum = sum * 31 + c;
    }
  }
  return {count, sum};
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  std::vector<std::string> texts;
  std::size_t bytes = 0, asciiFiles = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
      continue;
    }
    std::vector<std::filesystem::path> paths;
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i]))
        if (entry.is_regular_file()) paths.push_back(entry.path());
      std::sort(paths.begin(), paths.end());
    } else {
      paths.emplace_back(argv[i]);
    }
    for (const auto& path : paths) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      texts.push_back(body.str());
      bytes += texts.back().size();
      asciiFiles += std::all_of(texts.back().begin(), texts.back().end(),
                                [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    }
  }
  if (texts.empty()) {
    std::fprintf(stderr, "usage: mamori-bench-normalize [--rounds N] DIR|FILE...\n");
    return 2;
  }
  double best[2] = {1e30, 1e30};
  std::pair<std::size_t, std::uint64_t> result[2];
  const Append appends[2] = {fp::appendNormalizedTextReference, fp::appendNormalizedText};
  for (int which = 0; which < 2; ++which) result[which] = run(texts, appends[which], true);  // warms ICU, tables
  for (int r = 0; r < rounds; ++r) {
    for (int which = 0; which < 2; ++which) {
      const double start = threadSeconds();
      run(texts, appends[which], false);
      best[which] = std::min(best[which], threadSeconds() - start);
    }
  }
  std::printf("%zu files (%zu all ASCII), %.1f MiB, %zu characters kept\n", texts.size(), asciiFiles,
              static_cast<double>(bytes) / (1 << 20), result[0].first);
  std::printf("reference:          %.3f s thread CPU, %.3f ns a byte\n", best[0],
              best[0] * 1e9 / static_cast<double>(bytes));
  std::printf("fast:               %.3f s thread CPU, %.3f ns a byte (%.2fx)\n", best[1],
              best[1] * 1e9 / static_cast<double>(bytes), best[0] / best[1]);
  if (result[0] != result[1]) {
    std::printf("DIFFERENT OUTPUT\n");
    return 1;
  }
  std::printf("same output\n");
  return 0;
}
