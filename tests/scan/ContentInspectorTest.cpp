// The inspector and its sandbox (with the fake, workers on threads): plain text is matched without a
// worker, so a tree of it starts none; what needs parsing or decoding goes to one, reused; the
// findings are those of in-process extraction either way.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/Gzip.h"
#include "drivers/fake/FakeSandbox.h"
#include "scan/ContentInspector.h"
#include "scan/ExtractionService.h"
#include "tests/scan/ScanTestSupport.h"

using namespace mamori;
using namespace mamori::scan;

namespace {

std::string findings(const FileResult& result) {
  std::string out;
  for (const auto& hit : result.hits) out += hit.location + "|" + hit.name + "|" + std::to_string(hit.count) + ";";
  for (const auto& skip : result.notInspected) out += "!" + skip.location + "|" + skip.reason + ";";
  return out;
}

FileResult inspect(ContentInspector& inspector, const std::string& document) {
  FileResult result;
  inspector.inspect(document, result);
  return result;
}

}  // namespace

TEST_CASE("plain text needs no worker; documents to parse or decode go to one, with the same findings") {
  auto launcher = std::make_shared<drivers::FakeSandboxLauncher>([](drivers::SandboxChannel& channel) {
    return drivers::SandboxExit{false, serveExtraction(channel), 0};
  });
  auto sandboxed = test::builtinConfig();
  sandboxed.sandbox = launcher;
  auto inProcess = test::builtinConfig();
  auto withSandbox = ContentInspector::create(sandboxed);
  auto without = ContentInspector::create(inProcess);
  REQUIRE(withSandbox.ok());
  REQUIRE(without.ok());

  const std::vector<std::string> plain = {"議事録 社外秘\n",
                                          "cards 4111 1111 1111 1111 5500 0000 0000 0004 3400 0000 0000 009",
                                          std::string(3000, '\x01') + "\xFF\xFE\xFD"};
  for (const auto& document : plain) {
    CHECK(findings(inspect(*withSandbox.value(), document)) == findings(inspect(*without.value(), document)));
  }
  CHECK(findings(inspect(*withSandbox.value(), plain[0])).find("社外秘") == std::string::npos);
  CHECK(findings(inspect(*withSandbox.value(), plain[0])).find("confidential") != std::string::npos);
  CHECK(launcher->started() == 0);

  const std::string sjis = "\x8c\xda\x8b\x71\x88\xea\x97\x97 \x8e\xd0\x8a\x4f\x94\xe9\r\n";  // 顧客一覧 社外秘
  const std::string gzip = common::gzipCompress("四半期報告 社外秘\n");
  for (const auto& document : {sjis, gzip}) {
    const auto got = findings(inspect(*withSandbox.value(), document));
    CHECK(got == findings(inspect(*without.value(), document)));
    CHECK(got.find("confidential") != std::string::npos);
  }
  CHECK(launcher->started() == 1);  // one worker, reused
}
