#include <doctest/doctest.h>

#include <string>

#include "common/Log.h"
#include "tests/support/StderrCapture.h"

using namespace mamori::common;
using namespace std::string_literals;

namespace {
std::string logged(std::string_view message) {
  log::setProgramName("mamori-test");
  mamori::test::StderrCapture capture;
  log::warning(message);
  std::string text = capture.text();
  const auto body = text.find("warning: ");
  if (body == std::string::npos) return text;
  return text.substr(body + 9);
}
}  // namespace

TEST_CASE("a log message with outside text stays one line and sends no control to the terminal") {
  // A USB product string, a file name or a user name typed at the console's sign-in can hold anything.
  const std::string forged =
      "device control: Kingston\n"
      "mamori-agent[1] info: device control: allowed everything\r\x1b[2J\x1b]0;owned\x07";
  const std::string line = logged("device control: " + forged);
  CHECK(line ==
        "device control: device control: Kingston<U+000A>mamori-agent[1] info: device control: allowed "
        "everything<U+000D><U+001B>[2J<U+001B>]0;owned<U+0007>\n");
  CHECK(line.find('\x1b') == std::string::npos);

  // Bytes that are not UTF-8, NUL, C1 and direction overrides show as markers; nothing is dropped.
  CHECK(logged("a\0b\xFF\xC2\x9B"
               "1m invoice\u202Efdp.exe"s) == "a<U+0000>b<0xFF><U+009B>1m invoice<U+202E>fdp.exe\n");

  // Every script is kept as written; a long value stays whole.
  CHECK(logged("ユーザー 山田 <script>&\"'") == "ユーザー 山田 <script>&\"'\n");
  const std::string longName(300, 'x');
  CHECK(logged(longName) == longName + "\n");
}
