// The request desk with a scripted transport: what is sent to the collector, what the employee is
// told, and which answers of a poll open a device (through the grant path, once).
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "agent/device/ExceptionRequests.h"
#include "common/EventJson.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/report/FakeTransport.h"
#include "tests/support/CallbackEventSink.h"

namespace {

using mamori::agent::device::BlockedDevice;
using mamori::agent::device::ExceptionGrantInForce;
using mamori::agent::device::ExceptionRequests;
using mamori::agent::device::RequestAsk;
using mamori::agent::device::RequestReply;

constexpr char kChallenge[] = "3f2a91c0-07815567-0000abcd";

struct Desk {
  explicit Desk(const std::string& nodeKey = "node-key-1") {
    mamori::agent::Identity id;
    id.agentId = "agent-1";
    id.nodeKey = nodeKey;
    REQUIRE(identity.save(id).ok());
  }
  mamori::agent::test::TempDir dir;
  mamori::agent::IdentityStore identity = mamori::agent::IdentityStore::load(dir.file("identity.json"), 1000).value();
  mamori::agent::test::FakeTransport transport;
  std::vector<std::pair<std::string, Poco::JSON::Object::Ptr>> events;
  mamori::testsupport::CallbackEventSink sink{
      [this](const std::string& type, mamori::common::Severity, const Poco::JSON::Object::Ptr& details) {
        events.emplace_back(type, details);
      }};
  std::vector<BlockedDevice> blocked{{"1-2", "SanDisk Cruzer (0781:5567)", kChallenge}};
  std::vector<std::string> accepted;
  ExceptionRequests requests{transport,
                             identity,
                             "pc-1",
                             sink,
                             [this] { return blocked; },
                             [this](const std::string& response) -> mamori::common::Result<ExceptionGrantInForce> {
                               accepted.push_back(response);
                               return ExceptionGrantInForce{};
                             }};

  std::vector<RequestReply> replies;
  void ask(const std::string& device, const std::string& reason, std::int64_t minutes = 60) {
    requests.submit({device, reason, minutes, "yamada"}, [this](const RequestReply& r) { replies.push_back(r); });
  }
  int count(const std::string& type) const {
    int n = 0;
    for (const auto& e : events) n += e.first == type;
    return n;
  }
};

}  // namespace

TEST_CASE("a request is sent with the node key and the device's challenge, and the employee is told") {
  mamori::agent::test::qtApp();
  Desk desk;
  desk.ask("9-9", "no such device");
  REQUIRE(desk.replies.size() == 1);
  CHECK(desk.replies[0].outcome == RequestReply::Outcome::kRefused);
  CHECK(desk.replies[0].text.find("1-2") != std::string::npos);  // names what is blocked
  CHECK_FALSE(desk.transport.hasPending());

  desk.ask("1-2", "会議資料を持ち出すため", 30);
  REQUIRE(desk.transport.hasPending());
  const auto& sent = desk.transport.front();
  CHECK(sent.path == "/api/v1/exception-requests");
  CHECK(std::find(sent.headers.begin(), sent.headers.end(),
                  std::pair<std::string, std::string>{"Authorization", "Bearer node-key-1"}) != sent.headers.end());
  auto body = mamori::common::parseJson(sent.body, "body").value().extract<Poco::JSON::Object::Ptr>();
  CHECK(body->getValue<std::string>("challenge") == kChallenge);
  CHECK(body->getValue<std::string>("user") == "yamada");
  CHECK(body->getValue<std::string>("reason") == "会議資料を持ち出すため");
  CHECK(body->getValue<int>("minutes") == 30);
  desk.transport.answer(201, R"({"id":"req-1","state":"pending","pending":1})");
  REQUIRE(desk.replies.size() == 2);
  CHECK(desk.replies[1].outcome == RequestReply::Outcome::kOk);
  CHECK(desk.replies[1].text.find("req-1") != std::string::npos);
  CHECK(desk.count("device.exception_requested") == 1);
  CHECK(desk.requests.pendingCount() == 1);

  // The collector's refusals reach the employee with its words; an unreachable one is a failure.
  desk.ask("1-2", "again");
  desk.transport.answer(429, R"({"error":"this PC has 5 requests waiting already","where":"x"})");
  CHECK(desk.replies.back().outcome == RequestReply::Outcome::kRefused);
  CHECK(desk.replies.back().text.find("5 requests waiting") != std::string::npos);
  desk.ask("1-2", "again");
  desk.transport.failNetwork();
  CHECK(desk.replies.back().outcome == RequestReply::Outcome::kFailed);
  CHECK(desk.replies.back().text.find("offline code") != std::string::npos);
}

TEST_CASE("answers: an approval goes to the grant path once; a refusal is reported; strangers ignored") {
  mamori::agent::test::qtApp();
  Desk desk;
  desk.ask("1-2", "first");
  desk.transport.answer(201, R"({"id":"req-1"})");
  desk.ask("1-2", "second");
  desk.transport.answer(201, R"({"id":"req-2"})");
  desk.requests.onAnswers(
      R"([{"id":"req-1","state":"approved","minutes":30,"response":"CODE-1","decided_by":"admin","note":""},)"
      R"({"id":"other-run","state":"approved","minutes":5,"response":"CODE-X"},)"
      R"({"id":"req-2","state":"refused","note":"use the shared drive","decided_by":"admin"}])");
  CHECK(desk.accepted == std::vector<std::string>{"CODE-1"});
  CHECK(desk.count("device.exception_approved") == 1);
  CHECK(desk.count("device.exception_request_refused") == 1);
  for (const auto& [type, details] : desk.events) {
    if (type == "device.exception_request_refused") {
      CHECK(details->getValue<std::string>("request.note") == "use the shared drive");
    }
  }
  // The same answers again with the next poll: nothing happens twice.
  desk.requests.onAnswers(R"([{"id":"req-1","state":"approved","minutes":30,"response":"CODE-1"}])");
  CHECK(desk.accepted.size() == 1);
  CHECK(desk.requests.pendingCount() == 0);
  desk.requests.onAnswers("not json");  // ignored, no crash
}

TEST_CASE("an agent not enrolled yet says so without sending anything") {
  mamori::agent::test::qtApp();
  Desk desk("");
  desk.ask("1-2", "now");
  REQUIRE(desk.replies.size() == 1);
  CHECK(desk.replies[0].outcome == RequestReply::Outcome::kFailed);
  CHECK_FALSE(desk.transport.hasPending());
}

TEST_CASE("requests for the channels beside USB carry the channel's own device field, also after a restart") {
  mamori::agent::test::qtApp();
  struct Channel {
    std::string channel, id, field;
  };
  for (const auto& c : std::vector<Channel>{{"usb", "1-2", "usb.kernel_name"},
                                            {"pcie_storage", "0000:01:00.0", "pci.kernel_name"},
                                            {"card_readers", "mmc0:aaaa", "mmc.kernel_name"},
                                            {"thunderbolt", "0-301", "thunderbolt.kernel_name"},
                                            {"optical", "2:0:0:0", "optical.address"}}) {
    CAPTURE(c.channel);
    Desk desk;
    desk.blocked = {{c.id, "a device", kChallenge, c.channel}};
    auto checkFields = [&](const std::string& type) {
      int seen = 0;
      for (const auto& [t, details] : desk.events) {
        if (t != type) continue;
        ++seen;
        CHECK(details->getValue<std::string>("device.channel") == c.channel);
        CHECK(details->getValue<std::string>(c.field) == c.id);
        if (c.channel != "usb") CHECK_FALSE(details->has("usb.kernel_name"));
      }
      CHECK(seen == 1);
    };
    // Sent from one run, answered in the next: the channel is remembered with the request.
    auto run = [&] {
      return std::make_unique<ExceptionRequests>(
          desk.transport, desk.identity, "pc-1", desk.sink, [&] { return desk.blocked; },
          [](const std::string&) { return mamori::common::Result<ExceptionGrantInForce>(ExceptionGrantInForce{}); },
          desk.dir.file("requests.json"));
    };
    {
      auto first = run();  // alive until the collector answered: the answer comes back to it
      first->submit({c.id, "why", 30, "yamada"}, [](const RequestReply&) {});
      desk.transport.answer(201, R"({"id":"req-1"})");
    }
    checkFields("device.exception_requested");
    run()->onAnswers(R"([{"id":"req-1","state":"approved","minutes":30,"response":"CODE-1","decided_by":"a"}])");
    checkFields("device.exception_approved");
  }
}
