// The scanner's side of the extraction sandbox. With the fake (worker loops on threads): the pieces
// are those of in-process extraction, and every way a worker can fail ends as one not-inspected
// reason with the worker replaced. With the real mamori-extract (its test hooks): a crash, a loop and
// an unbounded allocation inside the real confinement, and a worker that tries to open a file or a
// socket dies by SIGSYS.
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

const std::string kUtf16 = std::string("\xFF\xFE", 2) + std::string("\x3E\x79\x16\x59\xD8\x79", 6);  // 社外秘

// The real worker loop, on a thread.
drivers::FakeWorkerLoop serving() {
  return [](drivers::SandboxChannel& channel) { return drivers::SandboxExit{false, serveExtraction(channel), 0}; };
}

}  // namespace

TEST_CASE("through the fake sandbox, the pieces are those of in-process extraction") {
  auto launcher = std::make_shared<drivers::FakeSandboxLauncher>(serving());
  SandboxedExtractor sandboxed(launcher, ExtractionLimits{}, std::chrono::seconds(10));
  for (const std::string& document : {std::string("plain text 4111 1111 1111 1111"), kUtf16,
                                      common::gzipCompress("inside a gzip 社外秘"), std::string()}) {
    std::vector<NotInspected> inProcessSkipped;
    std::vector<NotInspected> sandboxSkipped;
    const auto expected =
        collect([&](const PieceSink& sink) { extractPieces(document, ExtractionLimits{}, sink, inProcessSkipped); });
    const auto got = collect([&](const PieceSink& sink) { sandboxed.extract(document, -1, sink, sandboxSkipped); });
    CHECK(got == expected);
    CHECK(reasons(sandboxSkipped) == reasons(inProcessSkipped));
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

// The real worker binary (built with its test hooks), confined as in production; the test runs as
// root, so the worker also drops to nobody.
TEST_CASE("the real worker: crash, loop and unbounded allocation end as not inspected; open and socket die by SIGSYS") {
  auto launcher = std::make_shared<drivers::LinuxSandboxLauncher>(
      MAMORI_EXTRACT_BIN, std::vector<std::string>{"--user", "nobody", "--memory", std::to_string(512LL << 20)});
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
  };
  healthy();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"crash", "extractor crashed (SIGSEGV)"}, {"loop", "extractor timed out"},
      {"alloc", "extractor out of memory"},     {"open", "extractor crashed (SIGSYS"},
      {"socket", "extractor crashed (SIGSYS"},
  };
  for (const auto& [hook, expected] : cases) {
    CAPTURE(hook);
    std::vector<NotInspected> skipped;
    viaFd("MAMORI-EXTRACT-TEST:" + hook + "\nrest of the document", skipped);
    REQUIRE(skipped.size() == 1);
    CHECK(skipped[0].reason.rfind(expected, 0) == 0);
    CHECK(skipped[0].reason.find("ESCAPE") == std::string::npos);
    healthy();  // a fresh worker takes over
  }
  CHECK(sandboxed.workersStarted() == 6);
}
