// mamori-bench-edm: exact data match alone (fingerprint/EdmMatcher), the set loaded once, over the
// texts of files: the anchored pass (what the scanner runs) and, with --every, the reference pass of
// every candidate, alternating in every round. Thread CPU of the matching alone (each text copied
// into one buffer first, as the scanner does, so it is in the cache as there), best of --rounds; the rows found, summed
// over the files, must be the same in both. bench/README.md.
//   mamori-bench-edm [--rounds N] [--every] [--filter] SET.edm DIR|FILE...
// --filter: SetIndex's bit table in front of the index, as the scanner has since docs/decisions/0067.
// SET.edm: a signed set file with its fleet key, as `mamorictl edm export` writes it (bench/sets.py
// --keep leaves one); its signature is not checked here.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/ThreadClock.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/EdmMatcher.h"
#include "fingerprint/FingerprintKey.h"
#include "fingerprint/SignedSet.h"

namespace fp = mamori::fingerprint;
using mamori::bench::threadSeconds;

namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  bool every = false, filter = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--every") == 0) {
      every = true;
    } else if (std::strcmp(argv[i], "--filter") == 0) {
      filter = true;
    } else {
      args.emplace_back(argv[i]);
    }
  }
  if (args.size() < 2) {
    std::fprintf(stderr, "usage: mamori-bench-edm [--rounds N] [--every] SET.edm DIR|FILE...\n");
    return 2;
  }
  auto file = std::make_shared<const std::string>(readFile(args[0]));
  auto parts = fp::splitSignedSet(*file);
  if (!parts || !parts.value().keyText) {
    std::fprintf(stderr, "%s: not a signed set file with its key\n", args[0].c_str());
    return 2;
  }
  auto set = fp::parseEdmArtifact(file, parts.value().artifactBytes);
  auto key = fp::FingerprintKey::fromText(*parts.value().keyText);
  if (!set || !key) {
    std::fprintf(stderr, "%s: %s\n", args[0].c_str(), (!set ? set.error().message : key.error().message).c_str());
    return 2;
  }
  if (filter) set.value().index.addFilter();
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::filesystem::path root(args[i]);
    std::vector<std::filesystem::path> paths;
    if (std::filesystem::is_directory(root)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.is_regular_file()) paths.push_back(entry.path());
    } else {
      paths.push_back(root);
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      texts.push_back(readFile(path));
      bytes += texts.back().size();
    }
  }
  std::string warm;
  const auto run = [&](fp::EdmPass pass, std::size_t& files, std::int64_t& rows) {
    files = 0;
    rows = 0;
    double seconds = 0;
    for (const auto& text : texts) {
      // Copied first, as the scanner copies a file's text before matching it: in the cache, as there.
      warm.assign(text);
      const double start = threadSeconds();
      const auto match = fp::matchEdm(set.value(), key.value(), warm, pass);
      seconds += threadSeconds() - start;
      rows += match.rows;
      files += match.rows >= 1 ? 1 : 0;
    }
    return seconds;
  };
  double best = 1e9, bestEvery = 1e9;
  std::size_t files = 0, filesEvery = 0;
  std::int64_t rows = 0, rowsEvery = 0;
  for (int r = 0; r < rounds; ++r) {
    best = std::min(best, run(fp::EdmPass::kAnchored, files, rows));
    if (every) bestEvery = std::min(bestEvery, run(fp::EdmPass::kEveryCandidate, filesEvery, rowsEvery));
  }
  std::printf("%zu texts, %.1f MiB; set %lld rows, %llu index entries\n", texts.size(),
              static_cast<double>(bytes) / 1048576.0, static_cast<long long>(set.value().rows),
              static_cast<unsigned long long>(set.value().index.size()));
  std::printf("anchored: %.1f ms (thread CPU, best of %d); %zu texts with a row, %lld rows\n", best * 1e3, rounds,
              files, static_cast<long long>(rows));
  if (every) {
    std::printf("every candidate: %.1f ms; %zu texts with a row, %lld rows\n", bestEvery * 1e3, filesEvery,
                static_cast<long long>(rowsEvery));
    if (rows != rowsEvery || files != filesEvery) {
      std::printf("DIFFERENT answers\n");
      return 1;
    }
  }
  return 0;
}
