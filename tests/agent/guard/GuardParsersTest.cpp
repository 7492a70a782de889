// The guard's pure parts: agent.conf, the control protocol, the token check.
#include <doctest/doctest.h>

#include <string>

#include "agent/guard/ConfigFile.h"
#include "agent/guard/ControlProtocol.h"
#include "agent/guard/TokenCheck.h"
#include "common/Crypto.h"

using namespace mamori::agent::guard;

TEST_CASE("agent.conf lines become long options; comments and blank lines are skipped") {
  auto args = configFileArguments(
      "# mamori agent\n\ncollector = https://c.example:8443\n  ca-file=/etc/mamori/collector.crt \r\ngroup = sales "
      "team\n",
      "/etc/mamori/agent.conf");
  REQUIRE(args.ok());
  REQUIRE(args.value().size() == 3);
  CHECK(args.value()[0] == "--collector=https://c.example:8443");
  CHECK(args.value()[1] == "--ca-file=/etc/mamori/collector.crt");
  CHECK(args.value()[2] == "--group=sales team");
}

TEST_CASE("agent.conf errors name the file and line") {
  auto noEquals = configFileArguments("collector https://x\n", "agent.conf");
  REQUIRE_FALSE(noEquals.ok());
  CHECK(noEquals.error().describe().find("agent.conf:1") != std::string::npos);
  auto empty = configFileArguments("# x\ngroup =\n", "agent.conf");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().describe().find("agent.conf:2") != std::string::npos);
  CHECK_FALSE(configFileArguments("--collector = x\n", "f").ok());
  CHECK_FALSE(configFileArguments("Collector = x\n", "f").ok());
  // One-shot and test flags do not belong in the service's config.
  auto synthetic = configFileArguments("emit-synthetic = 5\n", "f");
  REQUIRE_FALSE(synthetic.ok());
  CHECK(synthetic.error().describe().find("command line") != std::string::npos);
  CHECK_FALSE(configFileArguments("config = /etc/other\n", "f").ok());
}

TEST_CASE("control requests round-trip and bad ones are refused") {
  for (const auto& request :
       {ControlRequest{ControlCommand::Stop, "tok"}, ControlRequest{ControlCommand::Remove, "t"},
        ControlRequest{ControlCommand::Status, ""}, ControlRequest{ControlCommand::Exception, "abc-123"},
        ControlRequest{ControlCommand::Devices, ""},
        // An employee's reason is UTF-8: its bytes are printable too.
        ControlRequest{ControlCommand::Request, "1-2 60 会議資料を持ち出すため"}}) {
    std::string line = formatControlRequest(request);
    REQUIRE(line.back() == '\n');
    line.pop_back();
    auto parsed = parseControlRequest(line);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().command == request.command);
    CHECK(parsed.value().argument == request.argument);
  }
  auto stopWithoutToken = parseControlRequest("stop");
  REQUIRE(stopWithoutToken.ok());  // the agent refuses it and reports agent.tamper
  CHECK(stopWithoutToken.value().argument.empty());
  CHECK_FALSE(parseControlRequest("reboot").ok());
  CHECK_FALSE(parseControlRequest("exception").ok());
  CHECK_FALSE(parseControlRequest("status now").ok());
  CHECK_FALSE(parseControlRequest("devices all").ok());
  CHECK_FALSE(parseControlRequest("request").ok());
  CHECK_FALSE(parseControlRequest("request 1-2 60 a\tb").ok());
  CHECK_FALSE(parseControlRequest(std::string("stop a\0b", 8)).ok());
  CHECK_FALSE(parseControlRequest("stop " + std::string(kMaxControlLine, 'x')).ok());
}

TEST_CASE("control answers round-trip on one line") {
  auto answer = parseControlAnswer("refused stop refused: the token does not match");
  REQUIRE(answer.ok());
  CHECK(answer.value().outcome == ControlOutcome::Refused);
  CHECK(answer.value().text == "stop refused: the token does not match");
  CHECK(formatControlAnswer({ControlOutcome::Error, "two\nlines"}) == "error two lines\n");
  CHECK_FALSE(parseControlAnswer("maybe").ok());
}

TEST_CASE("the token matches its SHA-256 from a sha256sum-style file, nothing else does") {
  const std::string token = "c0ffee-admin-token";
  const std::string digest = mamori::common::sha256Hex(token);
  auto parsed = parseTokenHash(digest + "  uninstall.token\n", "/etc/mamori/uninstall.token.sha256");
  REQUIRE(parsed.ok());
  CHECK(parsed.value() == digest);
  CHECK(tokenMatches(token, parsed.value()));
  CHECK(tokenMatches(token + "\n", parsed.value()));  // a token file's newline does not matter
  CHECK_FALSE(tokenMatches("c0ffee-admin-tokeN", parsed.value()));
  CHECK_FALSE(tokenMatches("", mamori::common::sha256Hex("")));
  // Upper-case hex is accepted; anything but 64 hex digits is not.
  auto upper = parseTokenHash("AB" + digest.substr(2), "f");
  REQUIRE(upper.ok());
  CHECK(upper.value().substr(0, 2) == "ab");
  auto damaged = parseTokenHash("not a hash", "/etc/mamori/uninstall.token.sha256");
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.error().describe().find("uninstall.token.sha256") != std::string::npos);
  CHECK_FALSE(parseTokenHash(digest.substr(1), "f").ok());
}

TEST_CASE("the request line: device, minutes, reason with spaces and UTF-8; bad asks are named") {
  auto ask = parseRequestArgument("1-2 90 取引先へ 納品データ");
  REQUIRE(ask.ok());
  CHECK(ask.value().deviceId == "1-2");
  CHECK(ask.value().minutes == 90);
  CHECK(ask.value().reason == "取引先へ 納品データ");
  CHECK(formatRequestArgument(ask.value()) == "1-2 90 取引先へ 納品データ");
  CHECK_FALSE(parseRequestArgument("1-2 90").ok());
  CHECK_FALSE(parseRequestArgument("1-2 x reason").ok());
  CHECK_FALSE(parseRequestArgument("1-2 0 reason").ok());
  CHECK_FALSE(parseRequestArgument("1-2 10081 reason").ok());
  CHECK_FALSE(parseRequestArgument("1-2 5  ").ok());
  CHECK(requestAskProblem({"1-2", std::string(1001, 'x'), 5, ""}).find("1000") != std::string::npos);
  CHECK(requestAskProblem({"1-2", "a\tb", 5, ""}).find("control") != std::string::npos);
  CHECK(requestAskProblem({"1-2", "\xff", 5, ""}).find("UTF-8") != std::string::npos);
  CHECK(requestAskProblem({"1-2", "ok", 5, ""}).empty());
}
