// mamori-bench-zip: reading every member of zip packages (docx, xlsx, zip) held in memory, with our
// scan/ZipReader and with libarchive through scan/ArchiveReader, in one run (docs/decisions/0026).
//   mamori-bench-zip [--iterations N] FILE...
// Prints microseconds per file for both (best of alternating rounds) and their ratio; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/CommandLine.h"
#include "scan/ArchiveReader.h"
#include "scan/ZipReader.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRounds = 7;

std::size_t withZipReader(std::string_view data) {
  std::size_t bytes = 0;
  auto directory = mamori::scan::readZipDirectory(data);
  if (!directory) return 0;
  for (const auto& entry : directory.value()) {
    auto member = mamori::scan::readZipMember(data, entry, 1ULL << 30U);
    if (member) bytes += member.value().size();
  }
  return bytes;
}

std::size_t withLibarchive(std::string_view data) {
  std::size_t bytes = 0;
  auto reader = mamori::scan::ArchiveReader::open(data, false);
  if (!reader) return 0;
  for (;;) {
    auto next = reader.value().next();
    if (!next || !next.value()) return bytes;
    const auto declared = static_cast<std::uint64_t>(std::max<std::int64_t>(next.value()->declaredSize, 0));
    auto member = reader.value().read(1ULL << 30U, declared);
    if (member) bytes += member.value().size();
  }
}

template <typename F>
double microsPerFile(const std::string& data, int iterations, F read, std::size_t& bytes) {
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) bytes += read(data);
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations;
}

}  // namespace

int main(int argc, char* argv[]) {
  int iterations = 200;
  std::vector<std::string> files;
  mamori::common::CommandLine line;
  line.table({{"--iterations", "N", mamori::common::opt::integer(1, 1'000'000, iterations),
               "times each file is read by each reader (default 200)"}})
      .positionals(files);
  const std::string usage = "Usage: mamori-bench-zip [--iterations N] FILE...\n\nOptions:\n" + line.help(17) +
                            "\nExit status:\n  0  done\n  2  usage error\n";
  if (auto done = mamori::common::parseOrExit(line, {argv + 1, argv + argc}, "mamori-bench-zip", usage)) return *done;
  if (files.empty()) return mamori::common::usageError("mamori-bench-zip", "name at least one zip, docx or xlsx file");
  std::printf("%-40s %12s %12s %8s\n", "file", "ZipReader", "libarchive", "ratio");
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string data = buffer.str();
    std::size_t ours = 0;
    std::size_t theirs = 0;
    // Alternating rounds, best of each: on a shared machine the load moves between runs.
    double zip = 1e18;
    double archive = 1e18;
    for (int round = 0; round < kRounds; ++round) {
      zip = std::min(zip, microsPerFile(data, iterations, withZipReader, ours));
      archive = std::min(archive, microsPerFile(data, iterations, withLibarchive, theirs));
    }
    std::printf("%-40s %9.1f us %9.1f us %7.2fx%s\n", path.c_str(), zip, archive, archive / zip,
                ours == theirs ? "" : "  (different bytes read!)");
  }
  return 0;
}
