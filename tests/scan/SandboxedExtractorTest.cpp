// The scanner's side of the extraction sandbox. With the fake (worker loops on threads): the pieces
// are those of in-process extraction, and every way a worker can fail ends as one not-inspected
// reason with the worker replaced. With the real mamori-extract (its test hooks): a crash, a loop and
// an unbounded allocation inside the real confinement, and a worker that tries to open a file or a
// socket dies by SIGSYS. With the real pair (docs/decisions/0062): mamori-extract-light and, for what
// needs libarchive, mamori-extract; the same failures in each, and a document the light worker hands
// on part-way gives exactly the pieces of in-process extraction.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

#include "common/Gzip.h"
#include "drivers/fake/FakeSandbox.h"
#include "drivers/linux/LinuxSandbox.h"
#include "scan/ExtractProtocol.h"
#include "scan/ExtractionService.h"
#include "scan/SandboxedExtractor.h"
#include "tests/scan/ScanTestSupport.h"

using namespace mamori;
using namespace mamori::scan;

namespace {

struct Seen {
  std::string location;
  PartKind kind;
  std::string raw;
  std::string decoded;
  DetectOn detectOn;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> collect(const std::function<void(const PieceSink&)>& run) {
  std::vector<Seen> out;
  run([&](const Piece& p) { out.push_back({p.location, p.kind, std::string(p.raw), p.decoded, p.detectOn}); });
  return out;
}

std::string reasons(const std::vector<NotInspected>& skipped) {
  std::string out;
  for (const auto& s : skipped) out += s.reason + ";";
  return out;
}

// The pieces the sandboxed extractor gives for document, checked against in-process extraction.
std::vector<Seen> sameAsInProcess(SandboxedExtractor& sandboxed, const std::string& document) {
  std::vector<NotInspected> inProcessSkipped;
  std::vector<NotInspected> sandboxSkipped;
  const auto expected =
      collect([&](const PieceSink& sink) { extractPieces(document, ExtractionLimits{}, sink, inProcessSkipped); });
  auto got = collect([&](const PieceSink& sink) { sandboxed.extract(document, -1, sink, sandboxSkipped); });
  CHECK(got == expected);
  CHECK(reasons(sandboxSkipped) == reasons(inProcessSkipped));
  return got;
}

constexpr char kUtf16[] = "\xFF\xFE\x3E\x79\x16\x59\xD8\x79";  // 社外秘 in UTF-16LE, with its BOM

void putLe(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}

std::uint32_t crc32Of(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFU;
  for (const char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1U) ^ (0xEDB88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

// A zip of stored members, in this order.
std::string storedZip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string zip;
  std::string directory;
  for (const auto& [name, data] : members) {
    const auto offset = static_cast<std::uint32_t>(zip.size());
    const auto size = static_cast<std::uint32_t>(data.size());
    putLe(zip, 0x04034b50, 4);
    putLe(zip, 20, 2), putLe(zip, 0, 2), putLe(zip, 0, 2), putLe(zip, 0, 4);
    putLe(zip, crc32Of(data), 4), putLe(zip, size, 4), putLe(zip, size, 4);
    putLe(zip, static_cast<std::uint32_t>(name.size()), 2), putLe(zip, 0, 2);
    zip += name + data;
    putLe(directory, 0x02014b50, 4);
    putLe(directory, 20, 2), putLe(directory, 20, 2), putLe(directory, 0, 2), putLe(directory, 0, 2);
    putLe(directory, 0, 4);
    putLe(directory, crc32Of(data), 4), putLe(directory, size, 4), putLe(directory, size, 4);
    putLe(directory, static_cast<std::uint32_t>(name.size()), 2), putLe(directory, 0, 2), putLe(directory, 0, 2);
    putLe(directory, 0, 2), putLe(directory, 0, 2), putLe(directory, 0, 4), putLe(directory, offset, 4);
    directory += name;
  }
  const auto directoryAt = static_cast<std::uint32_t>(zip.size());
  zip += directory;
  putLe(zip, 0x06054b50, 4);
  putLe(zip, 0, 4);
  putLe(zip, static_cast<std::uint32_t>(members.size()), 2), putLe(zip, static_cast<std::uint32_t>(members.size()), 2);
  putLe(zip, static_cast<std::uint32_t>(directory.size()), 4), putLe(zip, directoryAt, 4), putLe(zip, 0, 2);
  return zip;
}

// A test hook document that reaches the full worker: the scanner sniffs a tar (ustar at 257), so it
// goes there directly; the hook is read from its first line.
std::string tarHook(const std::string& hook) {
  std::string document = "MAMORI-EXTRACT-TEST:" + hook + "\n";
  document.resize(257, ' ');
  return document + "ustar" + std::string(250, '\0');
}

// The real worker loop, on a thread.
drivers::FakeWorkerLoop serving() {
  return [](drivers::SandboxChannel& channel) { return drivers::SandboxExit{false, serveExtraction(channel), 0}; };
}

}  // namespace

TEST_CASE("through the fake sandbox, the pieces are those of in-process extraction") {
  auto launcher = std::make_shared<drivers::FakeSandboxLauncher>(serving());
  SandboxedExtractor sandboxed(launcher, ExtractionLimits{}, std::chrono::seconds(10));
  for (const std::string& document : {std::string("plain text 4111 1111 1111 1111"), std::string(kUtf16),
                                      common::gzipCompress("inside a gzip 社外秘"), std::string()}) {
    sameAsInProcess(sandboxed, document);
  }
  CHECK(launcher->started() == 1);  // one worker served every document
}

TEST_CASE("a worker that crashes, hangs, runs out of memory or talks nonsense is replaced") {
  int documents = 0;
  auto launcher = std::make_shared<drivers::FakeSandboxLauncher>([&documents](drivers::SandboxChannel& channel) {
    if (documents >= 4) return drivers::SandboxExit{false, serveExtraction(channel), 0};  // a healthy one
    auto frame = channel.receive(std::nullopt, 1U << 20U);
    if (!frame) return drivers::SandboxExit{};
    switch (documents++) {
      case 0: return drivers::SandboxExit{true, 0, SIGSEGV};  // dies mid-document
      case 1:                                                 // hangs: waits for nothing
        (void)channel.receive(std::nullopt, 1U << 20U);
        return drivers::SandboxExit{true, 0, SIGKILL};
      case 2:
        (void)channel.send(encodeFailure(WorkerFailure::kOutOfMemory, "allocation failed"));
        return drivers::SandboxExit{false, kExitOutOfMemory, 0};
      default:
        (void)channel.send("Pgarbage");
        (void)channel.receive(std::nullopt, 16);
        return drivers::SandboxExit{};
    }
  });
  SandboxedExtractor sandboxed(launcher, ExtractionLimits{}, std::chrono::milliseconds(300));
  auto reasonFor = [&]() {
    std::vector<NotInspected> skipped;
    sandboxed.extract(
        "document", -1, [](const Piece&) {}, skipped);
    REQUIRE(skipped.size() == 1);
    CHECK(skipped[0].location.empty());
    return skipped[0];
  };
  CHECK(reasonFor().reason == "extractor crashed (SIGSEGV)");
  const auto hung = reasonFor();
  CHECK(hung.reason.rfind("extractor timed out", 0) == 0);
  CHECK(hung.kind == common::ErrorKind::kTimedOut);  // not cached: it may pass when the PC is idle
  CHECK(reasonFor().reason == "extractor out of memory");
  CHECK(reasonFor().reason.rfind("extractor crashed (bad extraction message", 0) == 0);
  // The fifth worker serves normally.
  std::vector<NotInspected> skipped;
  const auto pieces = collect([&](const PieceSink& sink) { sandboxed.extract("fine", -1, sink, skipped); });
  CHECK(skipped.empty());
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].raw == "fine");
  CHECK(launcher->started() == 5);
  CHECK(sandboxed.workersStarted() == 5);
}

TEST_CASE("a launcher that cannot start a worker leaves the document not inspected, uncached") {
  auto launcher =
      std::make_shared<drivers::LinuxSandboxLauncher>("/nonexistent/mamori-extract", std::vector<std::string>{});
  SandboxedExtractor sandboxed(launcher, ExtractionLimits{}, std::chrono::seconds(5));
  std::vector<NotInspected> skipped;
  sandboxed.extract(
      "document", -1, [](const Piece&) {}, skipped);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].reason.rfind("extractor unavailable", 0) == 0);
  CHECK(skipped[0].kind == common::ErrorKind::kUnavailable);
}

// The real worker binaries (built with their test hooks), confined as in production; the test runs as
// root, so the workers also drop to nobody. First mamori-extract alone (every format), then the pair
// the programs start: mamori-extract-light with mamori-extract as its fallback.
TEST_CASE("the real worker: crash, loop and unbounded allocation end as not inspected; open and socket die by SIGSYS") {
  const std::vector<std::string> args{"--user", "nobody", "--memory", std::to_string(512LL << 20)};
  auto full = std::make_shared<drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_BIN, args);
  auto pair = std::make_shared<drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_LIGHT_BIN, args, full);
  for (const auto& launcher :
       {std::shared_ptr<drivers::SandboxLauncher>(full), std::shared_ptr<drivers::SandboxLauncher>(pair)}) {
    const bool light = launcher == pair;
    CAPTURE(light);
    SandboxedExtractor sandboxed(launcher, ExtractionLimits{}, std::chrono::seconds(2));
    test::TempDir dir;
    // Documents travel as descriptors, as in a scan: the worker opens nothing.
    auto viaFd = [&](const std::string& content, std::vector<NotInspected>& skipped) {
      const std::string path = dir.path() + "/doc";
      test::writeFile(path, content);
      common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      REQUIRE(fd.valid());
      return collect([&](const PieceSink& sink) { sandboxed.extract(content, fd.get(), sink, skipped); });
    };
    auto healthy = [&] {
      std::vector<NotInspected> skipped;
      const auto pieces = viaFd(kUtf16, skipped);  // iconv's converters still work under the filter
      CHECK(skipped.empty());
      REQUIRE(pieces.size() == 1);
      CHECK(pieces[0].decoded == "社外秘");
      const auto gz = viaFd(common::gzipCompress("gzip text"), skipped);
      REQUIRE(gz.size() == 1);
      CHECK(gz[0].raw == "gzip text");
      const auto tar = viaFd(test::tarOf({{"t.txt", "tar text"}}), skipped);  // libarchive's: the full worker
      CHECK(skipped.empty());
      REQUIRE(tar.size() == 1);
      CHECK(tar[0].location == "t.txt");
      CHECK(tar[0].raw == "tar text");
    };
    healthy();
    CHECK(sandboxed.workersStarted() == (light ? 2 : 1));
    CHECK(sandboxed.fullWorkersStarted() == (light ? 1 : 0));
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"crash", "extractor crashed (SIGSEGV)"}, {"loop", "extractor timed out"},
        {"alloc", "extractor out of memory"},     {"open", "extractor crashed (SIGSYS"},
        {"socket", "extractor crashed (SIGSYS"},
    };
    // Through the first worker (text to decode), then through the full one (a tar).
    for (const bool viaTar : {false, true}) {
      // The element, not a structured binding, goes to CAPTURE (a lambda): clang before 16 cannot capture a binding.
      for (const auto& testCase : cases) {
        const auto& [hook, expected] = testCase;
        CAPTURE(testCase.first);
        CAPTURE(viaTar);
        std::vector<NotInspected> skipped;
        viaFd(viaTar ? tarHook(hook) : "MAMORI-EXTRACT-TEST:" + hook + "\nrest of the document", skipped);
        REQUIRE(skipped.size() == 1);
        CHECK(skipped[0].reason.rfind(expected, 0) == 0);
        CHECK(skipped[0].reason.find("ESCAPE") == std::string::npos);
        healthy();  // a fresh worker takes over
      }
    }
    // Ten failures, each replaced: one worker of each kind at first, then one more per failure.
    CHECK(sandboxed.workersStarted() == (light ? 12 : 11));
    CHECK(sandboxed.fullWorkersStarted() == (light ? 6 : 0));
  }
}

TEST_CASE("the real pair: a document the light worker hands on gives the pieces of in-process extraction") {
  const std::vector<std::string> args{"--user", "nobody", "--memory", std::to_string(512LL << 20)};
  auto full = std::make_shared<drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_BIN, args);
  auto pair = std::make_shared<drivers::LinuxSandboxLauncher>(MAMORI_EXTRACT_LIGHT_BIN, args, full);
  SandboxedExtractor sandboxed(pair, ExtractionLimits{}, std::chrono::seconds(10));
  const std::string tar = test::tarOf({{"inner/card.txt", "4111 1111 1111 1111"}});
  const std::vector<std::pair<std::string, std::string>> documents = {
      {"utf-16 text", kUtf16},
      // A zip whose second member is a tar, between two that the light worker sends first, and a
      // Shift_JIS one after: the full worker skips the first two pieces and sends the rest.
      {"zip with a tar inside",
       storedZip(
           {{"a.txt", "first 社外秘"}, {"b.txt", kUtf16}, {"c.tar", tar}, {"d.txt", "\x8E\xD0\x8A\x4F\x94\xE9"}})},
      {"gzip of a tar", common::gzipCompress(tar)},
      {"zip, no archive inside", storedZip({{"a.txt", "only text"}})},
      {"zip that starts with a tar", storedZip({{"x.tar", test::tarOf({{"y", "z"}})}, {"e.txt", "e"}})},
  };
  // The element, not a structured binding, goes to CAPTURE (a lambda): clang before 16 cannot capture a binding.
  for (const auto& item : documents) {
    const auto& [name, document] = item;
    CAPTURE(item.first);
    const auto got = sameAsInProcess(sandboxed, document);
    if (name == "zip with a tar inside") {
      std::vector<std::string> locations;
      locations.reserve(got.size());
      for (const auto& piece : got) locations.push_back(piece.location);
      CHECK(locations == std::vector<std::string>{"a.txt", "b.txt", "c.tar!inner/card.txt", "d.txt"});
      CHECK(got[3].decoded == "社外秘");
    }
  }
  CHECK(sandboxed.workersStarted() == 2);  // one light worker, one full worker, both kept
  CHECK(sandboxed.fullWorkersStarted() == 1);
}

TEST_CASE("a document is handed on only by the light worker, and only after the pieces it sent") {
  // A light "worker" that claims more pieces than it sent, then one that sends one piece and says so.
  int documents = 0;
  auto fullLoop = std::make_shared<drivers::FakeSandboxLauncher>(serving());
  auto light = std::make_shared<drivers::FakeSandboxLauncher>(
      [&documents](drivers::SandboxChannel& channel) {
        for (;;) {
          auto frame = channel.receive(std::nullopt, 1U << 20U);
          if (!frame) return drivers::SandboxExit{};
          Piece piece;
          piece.raw = "text";
          if (documents++ == 0) {
            (void)channel.send(encodeNeedsArchives(1));  // no piece was sent
          } else {
            (void)channel.queue(encodePiece(piece, true));
            (void)channel.queue(encodeNeedsArchives(1));
            (void)channel.flush();
          }
        }
      },
      fullLoop);
  SandboxedExtractor sandboxed(light, ExtractionLimits{}, std::chrono::seconds(5));
  std::vector<NotInspected> skipped;
  auto first = collect([&](const PieceSink& sink) { sandboxed.extract("document", -1, sink, skipped); });
  CHECK(first.empty());
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].reason == "extractor crashed (a document handed on wrongly)");
  skipped.clear();
  // The second light worker sends the document's one piece and hands it on: the full worker skips it.
  auto second = collect([&](const PieceSink& sink) { sandboxed.extract("document", -1, sink, skipped); });
  CHECK(skipped.empty());
  REQUIRE(second.size() == 1);
  CHECK(second[0].raw == "document");
  CHECK(light->started() == 2);
  CHECK(fullLoop->started() == 1);
  // A full worker never hands a document on: that is a broken worker.
  auto handsOn = std::make_shared<drivers::FakeSandboxLauncher>([](drivers::SandboxChannel& channel) {
    if (!channel.receive(std::nullopt, 1U << 20U)) return drivers::SandboxExit{};
    (void)channel.send(encodeNeedsArchives(0));
    (void)channel.receive(std::nullopt, 16);
    return drivers::SandboxExit{};
  });
  SandboxedExtractor alone(handsOn, ExtractionLimits{}, std::chrono::seconds(5));
  skipped.clear();
  alone.extract(
      "document", -1, [](const Piece&) {}, skipped);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].reason == "extractor crashed (a document handed on wrongly)");
}
