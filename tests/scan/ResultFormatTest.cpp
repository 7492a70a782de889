#include <doctest/doctest.h>

#include <string>

#include "scan/ResultFormat.h"

using namespace mamori::scan;
using namespace std::string_literals;

TEST_CASE("a hostile file or member name stays on its finding's line and sends no control to the terminal") {
  FileResult result;
  result.path = "/home/u/a\n/etc/shadow: rule secret:Top x9\x1b]0;owned\x07\xFF.docx";
  result.hits.push_back({"../../x\r\x1b[2J.xml", HitKind::kRule, "company:Confidential", 2});
  result.notInspected.push_back({"inner\u202Efdp.zip", "encrypted", {}});
  const std::string text = resultText(result);
  const std::string shownPath = "/home/u/a<U+000A>/etc/shadow: rule secret:Top x9<U+001B>]0;owned<U+0007><0xFF>.docx";
  CHECK(text == shownPath + ": rule company:Confidential x2 in " + shownPath + "!../../x<U+000D><U+001B>[2J.xml\n" +
                    shownPath + "!inner<U+202E>fdp.zip: not inspected: encrypted\n");

  // The JSON form keeps every byte (escaped), for programs.
  const std::string json = resultJson(result);
  CHECK(json.find("\\n/etc/shadow") != std::string::npos);
  CHECK(json.find('\n') == std::string::npos);
  CHECK(json.find('\x1b') == std::string::npos);
}

TEST_CASE("mamori-scan --json writes C1 controls and Unicode line ends in names as escapes") {
  FileResult result;
  result.path =
      "/home/u/a\xC2\x9B"
      "2J\xC2\x85\xE2\x80\xA8社外秘.docx";  // CSI, NEL, LS: valid UTF-8
  result.hits.push_back({"", HitKind::kRule, "company:Confidential", 1});
  const std::string json = resultJson(result);
  for (const std::string raw : {"\xC2\x9B", "\xC2\x85", "\xE2\x80\xA8"}) CHECK(json.find(raw) == std::string::npos);
  CHECK(json.find("/home/u/a\\u009B2J\\u0085\\u2028社外秘.docx") != std::string::npos);
}
