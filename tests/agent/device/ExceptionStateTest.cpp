// Temporary exceptions across a restart: the state files' format (round trip, hostile contents
// refused with the place named), and DeviceControl / ExceptionRequests built again over the same
// files, as after a reboot: an open challenge still takes its response, a grant still covers its
// device until it ends, a used response stays used, and an answer that arrives after the restart is
// acted on.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "agent/device/DeviceControl.h"
#include "agent/device/ExceptionRequests.h"
#include "agent/device/ExceptionState.h"
#include "common/Files.h"
#include "common/KeyFiles.h"
#include "policy/DefaultPolicy.h"
#include "policy/DeviceException.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/device/UsbFixture.h"
#include "tests/agent/report/FakeTransport.h"
#include "tests/support/CallbackEventSink.h"

namespace {

using namespace mamori::agent::device;        // NOLINT(google-build-using-namespace)
using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)

constexpr char kChallenge[] = "3f2a91c0-07815567-0000abcd";
constexpr char kOther[] = "3f2a91c0-8086a80a-00001234";

ExceptionSnapshot sample() {
  ExceptionSnapshot s;
  s.offers.emplace_back(kChallenge, DeviceIdentity{0x0781, 0x5567, "4C53\"\\000 ユニット", "usb"});
  s.grants.push_back({DeviceIdentity{0x8086, 0xa80a, "0a-0b-0c", "pcie_storage"}, kOther, 1'700'000'000'000, true});
  return s;
}

std::string writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("the exceptions' state: what is written is read back the same") {
  const auto parsed = parseExceptionState(exceptionStateJson(sample()));
  REQUIRE(parsed.ok());
  REQUIRE(parsed.value().offers.size() == 1);
  CHECK(parsed.value().offers[0] == sample().offers[0]);
  REQUIRE(parsed.value().grants.size() == 1);
  const auto& grant = parsed.value().grants[0];
  CHECK(grant.device == sample().grants[0].device);
  CHECK(grant.challenge == kOther);
  CHECK(grant.expiresAtMs == 1'700'000'000'000);
  CHECK(grant.used);
  CHECK(parseExceptionState(exceptionStateJson({})).value().offers.empty());

  const std::vector<PendingRequest> pending{
      {"019de3a0-aaaa", kChallenge, "1-2", "SanDisk \"Cruzer\"", "山田"},
      {"019de3a0-bbbb", kChallenge, "0000:01:00.0", "NVMe", "山田", "pcie_storage"}};
  const auto back = parsePendingRequests(pendingRequestsJson(pending));
  REQUIRE(back.ok());
  CHECK(back.value() == pending);
  // A file written before the channel was remembered: its requests are USB ones.
  const auto older = parsePendingRequests(std::string(R"({"format":1,"pending":[{"id":"r","challenge":")") +
                                          kChallenge + R"(","device_id":"1-2","device_name":"","user":""}]})");
  REQUIRE(older.ok());
  CHECK(older.value().at(0).channel == "usb");
  CHECK_FALSE(parsePendingRequests(std::string(R"({"format":1,"pending":[{"id":"r","challenge":")") + kChallenge +
                                   R"(","device_id":"1-2","device_name":"","user":"","channel":""}]})")
                  .ok());
}

TEST_CASE("hostile state files are refused, naming the place") {
  const std::string good = exceptionStateJson(sample());
  struct Case {
    std::string text;
    std::string where;
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  const std::vector<Case> cases{
      {"", ""},
      {"[]", "/"},
      {R"({"format":2,"offers":[],"grants":[]})", "/format"},
      {R"({"format":1,"offers":{},"grants":[]})", "/offers"},
      {R"({"format":1,"offers":[],"grants":[1]})", "/grants/0"},
      {replace(kChallenge, "not-a-challenge"), "/offers/0/challenge"},
      {replace("\"0781\"", "\"07G1\""), "/offers/0/vendor_id"},
      {replace("\"0781\"", "\"781\""), "/offers/0/vendor_id"},
      {replace("\"channel\":\"usb\"", "\"channel\":\"\""), "/offers/0/channel"},
      {replace("1700000000000", "-5"), "/grants/0/expires_at_ms"},
      {replace("1700000000000", "1.5"), "/grants/0/expires_at_ms"},
      {replace("1700000000000", "99999999999999999999999"), "/grants/0/expires_at_ms"},
      {replace("\"used\":true", "\"used\":\"yes\""), "/grants/0/used"},
      {replace("\"0a-0b-0c\"", "\"" + std::string(600, 'x') + "\""), "/grants/0/serial"},
      {good.substr(0, good.size() / 2), ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parseExceptionState(c.text);
    REQUIRE_FALSE(parsed.ok());
    if (!c.where.empty()) CHECK(parsed.error().where.find(c.where) != std::string::npos);
  }
  std::string many = R"({"format":1,"grants":[],"offers":[)";
  for (int i = 0; i < 300; ++i) many += std::string(i ? "," : "") + "{}";
  CHECK_FALSE(parseExceptionState(many + "]}").ok());
  CHECK_FALSE(parsePendingRequests(std::string(R"({"format":1,"pending":[{"id":"","challenge":")") + kChallenge +
                                   R"(","device_id":"1-2","device_name":"","user":""}]})")
                  .ok());  // a request without its id could never be matched with an answer
}

TEST_CASE("an open challenge and a grant in force outlive a restart; a used response stays used") {
  mamori::agent::test::qtApp();
  mamori::agent::test::TempDir dir;
  const auto key = mamori::common::SigningKey::generate().value();
  REQUIRE(mamori::common::savePublicKey(key.publicKey(), dir.file("policy-key.pem")).ok());
  std::int64_t now = 1'000'000;
  auto settings = [&] {
    return ExceptionSettings{"agent-1", dir.file("exceptions"), dir.file("policy-key.pem"), [&] { return now; },
                             dir.file("exceptions-state.json")};
  };
  auto challengeOf = [](const UsbFixture& f, const std::string& serial) {
    std::string challenge;
    for (const auto& e : f.events) {
      if (e.type == "device.blocked" && e.text("usb.serial") == serial)
        challenge = e.text("device.exception_challenge");
    }
    return challenge;
  };

  std::string challenge;
  {
    UsbFixture before("desktop");
    REQUIRE(before.control.enableExceptions(settings()).ok());
    REQUIRE(before.control.apply(mamori::policy::builtinPolicy()).ok());
    challenge = challengeOf(before, "stick-1");
    REQUIRE(mamori::policy::isExceptionChallenge(challenge));
  }
  const std::string response = mamori::policy::signExceptionResponse(key, challenge, 30).value();

  // Restarted: the same challenge is offered again for the same stick, and its response opens it.
  UsbFixture after("desktop");
  REQUIRE(after.control.enableExceptions(settings()).ok());
  REQUIRE(after.control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK(challengeOf(after, "stick-1") == challenge);
  CHECK_FALSE(after.bus.at("2-1").authorized);
  REQUIRE(after.control.acceptResponse(response).ok());
  CHECK(after.bus.at("2-1").authorized);

  // Restarted again within the window: the grant still covers the stick; the response is used up.
  now += std::int64_t{10} * 60'000;
  UsbFixture again("desktop");
  REQUIRE(again.control.enableExceptions(settings()).ok());
  REQUIRE(again.control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK(again.bus.at("2-1").authorized);
  CHECK_FALSE(again.control.acceptResponse(response).ok());
  CHECK_FALSE(again.bus.at("2-2").authorized);  // the other stick stays blocked
  // The window ends as if there had been no restart.
  now += std::int64_t{21} * 60'000;
  again.control.pollExceptions();
  CHECK(again.emitted("device.exception_expired", "stick-1"));
  CHECK_FALSE(again.bus.at("2-1").authorized);
}

TEST_CASE("a damaged state file: the agent starts without it and keeps it aside") {
  mamori::agent::test::qtApp();
  mamori::agent::test::TempDir dir;
  const std::string path = writeFile(dir.file("exceptions-state.json"), "{\"format\":1,\"offers\":[tru");
  UsbFixture f("desktop");
  REQUIRE(
      f.control
          .enableExceptions({"agent-1", dir.file("exceptions"), dir.file("policy-key.pem"), [] { return 1'000; }, path})
          .ok());
  REQUIRE(f.control.apply(mamori::policy::builtinPolicy()).ok());
  CHECK(std::filesystem::exists(path + ".damaged"));
  CHECK(parseExceptionState(mamori::common::readSmallFile(path).value()).ok());  // written anew
}

TEST_CASE("a request's answer that arrives after a restart still reaches the grant path") {
  mamori::agent::test::qtApp();
  mamori::agent::test::TempDir dir;
  mamori::agent::Identity id;
  id.agentId = "agent-1";
  id.nodeKey = "node-key-1";
  auto identity = mamori::agent::IdentityStore::load(dir.file("identity.json"), 1000).value();
  REQUIRE(identity.save(id).ok());
  mamori::agent::test::FakeTransport transport;
  mamori::testsupport::CallbackEventSink sink{
      [](const std::string&, mamori::common::Severity, const Poco::JSON::Object::Ptr&) {}};
  std::vector<BlockedDevice> blocked{{"1-2", "SanDisk Cruzer (0781:5567)", kChallenge}};
  std::vector<std::string> accepted;
  auto make = [&] {
    return std::make_unique<ExceptionRequests>(
        transport, identity, "pc-1", sink, [&] { return blocked; },
        [&](const std::string& response) -> mamori::common::Result<ExceptionGrantInForce> {
          accepted.push_back(response);
          return ExceptionGrantInForce{};
        },
        dir.file("exception-requests.json"));
  };
  {
    auto desk = make();
    desk->submit({"1-2", "会議資料", 30, "yamada"}, [](const RequestReply&) {});
    transport.answer(201, R"({"id":"req-1"})");
    CHECK(desk->pendingCount() == 1);
  }
  auto restarted = make();
  CHECK(restarted->pendingCount() == 1);
  restarted->onAnswers(R"([{"id":"req-1","state":"approved","minutes":30,"response":"CODE-1"}])");
  CHECK(accepted == std::vector<std::string>{"CODE-1"});
  // Acted on once: a third start remembers nothing to act on.
  CHECK(make()->pendingCount() == 0);
}
