// mamori-bench-zip: reading every member of zip packages (docx, xlsx, zip) held in memory, with our
// scan/ZipReader and with libarchive through scan/ArchiveReader, in one run (docs/decisions/0026).
//   mamori-bench-zip [--iterations N] FILE...
// Prints microseconds per file for both (best of alternating rounds) and their ratio; asserts nothing.
//   mamori-bench-zip --office [--iterations N] FILE|DIR...
// What extraction costs in the worker over Office files held in memory (issue 17's ratio 3,
// docs/decisions/0070), stage by stage over the parts that give text: inflating them into a kept
// buffer, inflating and the XML pass in place, and all of extractPieces (parts that give no text, such
// as a sheet of shared-string cells, and the text's encoding check too). Thread CPU, best of N rounds;
// a hash of the texts, so that two builds can be compared.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ThreadClock.h"
#include "common/CommandLine.h"
#include "scan/ArchiveReader.h"
#include "scan/Extractor.h"
#include "scan/Pieces.h"
#include "scan/XmlText.h"
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

std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// An Office part extraction reads as text: its file and central directory entry.
struct TextPart {
  const std::string* file;
  mamori::scan::ZipEntry entry;
};

// --office: the stages of the worker's extraction over every file named or under a folder named.
int officeStages(const std::vector<std::string>& roots, int rounds) {
  using mamori::bench::threadSeconds;
  std::vector<std::string> files;
  for (const auto& root : roots) {
    if (!std::filesystem::is_directory(root)) {
      files.push_back(readWhole(root));
      continue;
    }
    std::vector<std::string> paths;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_regular_file()) paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) files.push_back(readWhole(path));
  }
  // The parts are the ones the extractor visits as text (found by running it once), so the stages
  // below time exactly what extraction reads and no list of part names is kept here.
  const mamori::scan::ExtractionLimits limits;
  const mamori::scan::Extractor extractor(limits);
  std::vector<TextPart> parts;
  std::size_t xmlBytes = 0;
  for (const auto& file : files) {
    auto directory = mamori::scan::readZipDirectory(file);
    if (!directory) continue;
    std::vector<std::string> textParts;
    std::vector<mamori::scan::NotInspected> ignored;
    extractor.extract(
        file,
        [&](const std::string& location, std::string_view, mamori::scan::PartKind kind) {
          if (kind == mamori::scan::PartKind::kText && location.find('!') == std::string::npos)
            textParts.push_back(location);
        },
        ignored);
    for (const auto& entry : directory.value()) {
      if (std::find(textParts.begin(), textParts.end(), entry.name) == textParts.end()) continue;
      parts.push_back({&file, entry});
      xmlBytes += entry.uncompressedSize;
    }
  }
  std::string scratch;
  double inflateOnly = 1e18;
  double inflateAndXml = 1e18;
  double pieces = 1e18;
  for (int round = 0; round < rounds; ++round) {
    double start = threadSeconds();
    for (const auto& part : parts) (void)mamori::scan::readZipMemberInto(*part.file, part.entry, 1ULL << 30U, scratch);
    inflateOnly = std::min(inflateOnly, threadSeconds() - start);
    start = threadSeconds();
    for (const auto& part : parts) {
      auto xml = mamori::scan::readZipMemberInto(*part.file, part.entry, 1ULL << 30U, scratch);
      if (xml) (void)mamori::scan::xmlTextInPlace(scratch.data(), xml.value().size());
    }
    inflateAndXml = std::min(inflateAndXml, threadSeconds() - start);
    start = threadSeconds();
    for (const auto& file : files) {
      std::vector<mamori::scan::NotInspected> ignored;
      mamori::scan::extractPieces(
          file, limits, [](const mamori::scan::Piece&) {}, ignored);
    }
    pieces = std::min(pieces, threadSeconds() - start);
  }
  std::size_t textBytes = 0;
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a of the texts, part after part
  for (const auto& part : parts) {
    auto xml = mamori::scan::readZipMemberInto(*part.file, part.entry, 1ULL << 30U, scratch);
    if (!xml) continue;
    const std::size_t n = mamori::scan::xmlTextInPlace(scratch.data(), xml.value().size());
    textBytes += n;
    for (std::size_t i = 0; i < n; ++i) hash = (hash ^ static_cast<unsigned char>(scratch[i])) * 1099511628211ULL;
  }
  std::printf("%zu files, %zu text parts, %.1f MB of XML -> %.1f MB of text (hash %016llx); best of %d rounds:\n",
              files.size(), parts.size(), static_cast<double>(xmlBytes) / 1e6, static_cast<double>(textBytes) / 1e6,
              static_cast<unsigned long long>(hash), rounds);
  std::printf("  inflate into the kept buffer   %7.2f ms\n", inflateOnly * 1e3);
  std::printf("  XML pass in place (after it)   %7.2f ms  (inflate and XML pass %.2f ms)\n",
              (inflateAndXml - inflateOnly) * 1e3, inflateAndXml * 1e3);
  std::printf("  extractPieces, whole           %7.2f ms\n", pieces * 1e3);
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  int iterations = 0;  // not given: 200 reads, or 20 rounds with --office
  bool office = false;
  std::vector<std::string> files;
  mamori::common::CommandLine line;
  line.table({{"--iterations", "N", mamori::common::opt::integer(1, 1'000'000, iterations),
               "times each file is read by each reader (default 200; with --office: rounds, default 20)"},
              {"--office", "", mamori::common::opt::flag(office),
               "the worker's extraction stages over Office files (FILE or DIR: every file under it)"}})
      .positionals(files);
  const std::string usage =
      "Usage: mamori-bench-zip [--iterations N] FILE...\n"
      "       mamori-bench-zip --office [--iterations N] FILE|DIR...\n\nOptions:\n" +
      line.help(17) + "\nExit status:\n  0  done\n  2  usage error\n";
  if (auto done = mamori::common::parseOrExit(line, {argv + 1, argv + argc}, "mamori-bench-zip", usage)) return *done;
  if (files.empty()) return mamori::common::usageError("mamori-bench-zip", "name at least one zip, docx or xlsx file");
  if (office) return officeStages(files, iterations == 0 ? 20 : iterations);
  if (iterations == 0) iterations = 200;
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
