// A whole Agent over a fake driver set (drivers/fake and the stubs below) and a fake collector: the
// composition root as main() runs it, with every capability registered, the real spool, uploader,
// heartbeat and policy sync, and nothing touching the machine. A USB stick plugged on the fake bus
// is blocked under the built-in policy and its event reaches the collector through the spool; the
// collector's signed policy is then applied to the running agent and decides the next plugs.

#include <Poco/JSON/Object.h>
#include <QCoreApplication>
#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "agent/app/Agent.h"
#include "agent/policysync/PolicyFiles.h"
#include "agent/report/IdentityStore.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/SigningKey.h"
#include "drivers/fake/FakeFileActivitySource.h"
#include "drivers/fake/FakeMmcBus.h"
#include "drivers/fake/FakePciBus.h"
#include "drivers/fake/FakePrintSpooler.h"
#include "drivers/fake/FakeProcesses.h"
#include "drivers/fake/FakeSystemInfo.h"
#include "drivers/fake/FakeUeventSource.h"
#include "drivers/fake/FakeUsbBus.h"
#include "policy/SignedPolicy.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/device/UsbFixture.h"

namespace mamori::agent {
namespace {

using device::test::stick;
using device::test::usbAdd;

constexpr const char* kTree = MAMORI_SYSFS_FIXTURES "/desktop";

// The collector as the agent sees it through its Transport: events and heartbeats are taken at once;
// policy fetches wait until the test serves a policy (404 "none for your group" before that is not
// needed: the agent keeps the built-in while it waits). Answers come from the event loop, never from
// inside post(), like the real transport's.
class FakeCollector final : public Transport {
 public:
  void post(TransportRequest request, TransportCallback done) override {
    if (request.method == "GET" && request.path == "/api/v1/policy") {
      policyFetches_.push_back(std::move(done));
      answerPolicyFetches();
      return;
    }
    common::net::HttpResponse response;
    response.status = 404;
    response.body = R"({"error":"not here","where":""})";
    if (request.path == "/api/v1/events") {
      auto batch = common::parseEventBatch(request.body);
      REQUIRE(batch.ok());
      for (auto& event : batch.value()) events.push_back(std::move(event));
      response.status = 200;
      response.body = R"({"accepted":)" + std::to_string(batch.value().size()) + R"(,"duplicates":0})";
    } else if (request.path == "/api/v1/heartbeat") {
      ++heartbeats;
      response.status = 200;
      response.body = "{}";
    }
    later([done = std::move(done), response] { done(response); });
  }

  // From now on every policy fetch (the one waiting included) gets this signed envelope.
  void servePolicy(std::string envelope) {
    envelope_ = std::move(envelope);
    answerPolicyFetches();
  }

  // Events the collector stored of this type (and, when given, with this details field and value).
  int count(const std::string& type, const std::string& key = "", const std::string& value = "") const {
    int n = 0;
    for (const auto& event : events) {
      if (event.type == type && (key.empty() || event.details->optValue<std::string>(key, "") == value)) ++n;
    }
    return n;
  }

  std::vector<common::Event> events;
  int heartbeats = 0;

 private:
  static void later(std::function<void()> call) {
    QMetaObject::invokeMethod(QCoreApplication::instance(), std::move(call), Qt::QueuedConnection);
  }
  void answerPolicyFetches() {
    if (envelope_.empty()) return;
    while (!policyFetches_.empty()) {
      common::net::HttpResponse response;
      response.status = 200;
      response.body = R"({"group":"office","envelope":)" + envelope_ + "}";
      later([done = std::move(policyFetches_.front()), response] { done(response); });
      policyFetches_.pop_front();
    }
  }

  std::deque<TransportCallback> policyFetches_;
  std::string envelope_;
};

// What the fake set has no fake of in drivers/fake: a machine without optical drives or a
// Thunderbolt domain, the agent's own usage, the desktop.
class NoOpticalDrives final : public drivers::OpticalDrives {
 public:
  common::Result<std::vector<drivers::OpticalDrive>> drives() const override {
    return std::vector<drivers::OpticalDrive>{};
  }
};

class NoThunderbolt final : public drivers::ThunderboltBus {
 public:
  bool present() const override { return false; }
  common::Result<std::vector<std::string>> deviceNames() const override { return std::vector<std::string>{}; }
  common::Result<drivers::ThunderboltDevice> device(const std::string& name) const override {
    return common::makeError("no such device", name);
  }
  common::Status authorize(const std::string& name, const std::string&, bool) override {
    return common::makeError("no such device", name);
  }
  common::Status deauthorize(const std::string& name) override { return common::makeError("no such device", name); }
};

class QuietUsage final : public drivers::ProcessUsageSource {
 public:
  common::Result<drivers::ProcessUsage> sample() override { return drivers::ProcessUsage{}; }
};

class RecordingNotifier final : public drivers::DesktopNotifier {
 public:
  void notify(const std::string& summary, const std::string& body) override { shown.push_back(summary + ": " + body); }
  std::vector<std::string> shown;
};

struct Fixture {
  Fixture() {
    test::qtApp();
    // Enrolled before (node key, group) with the collector's policy key pinned, as after a first run.
    auto identity = IdentityStore::load(dir.file("identity.json"), 1'795'000'000'000);
    REQUIRE(identity.ok());
    Identity id = identity.value().identity();
    id.nodeKey = std::string(64, 'a');
    id.group = "office";
    id.collectorUrl = "https://collector.test";
    REQUIRE(identity.value().save(id).ok());
    REQUIRE(PolicyFiles(dir.path()).savePinnedKey(key.publicKey()).ok());

    options.stateDir = dir.path();
    options.tokenHashFile = dir.file("uninstall.token.sha256");
    options.exitWhenDrained = false;
  }

  AgentDrivers fakeDrivers() {
    AgentDrivers set;
    set.system = std::make_unique<drivers::fake::FakeSystemInfo>(
        drivers::MachineFacts{"pc-1", "Debian GNU/Linux 12 (bookworm)", "6.1.0-test", "root"});
    set.openTransport =
        [this](const common::net::HttpsClientOptions& http) -> common::Result<std::unique_ptr<Transport>> {
      CHECK(http.baseUrl == "https://collector.test");
      auto transport = std::make_unique<FakeCollector>();
      collector = transport.get();
      return std::unique_ptr<Transport>(std::move(transport));
    };
    auto bus = std::make_unique<drivers::fake::FakeUsbBus>(drivers::fake::FakeUsbBus::fromSysfsTree(kTree));
    usb = bus.get();
    set.devices.usb = std::move(bus);
    set.devices.blocks = std::make_unique<drivers::fake::FakeBlockDevices>();
    set.devices.mmc = std::make_unique<drivers::fake::FakeMmcBus>(drivers::fake::FakeMmcBus::fromSysfsTree(kTree));
    set.devices.pci = std::make_unique<drivers::fake::FakePciBus>(drivers::fake::FakePciBus::fromSysfsTree(kTree));
    set.devices.optical = std::make_unique<NoOpticalDrives>();
    set.devices.startAccessGate = []() -> common::Result<std::unique_ptr<drivers::DeviceAccessGate>> {
      return common::makeError("no device gate in this test", "optical drives");
    };
    set.devices.thunderbolt = std::make_unique<NoThunderbolt>();
    set.devices.openUevents = [this]() -> common::Result<std::unique_ptr<drivers::UeventSource>> {
      auto source = std::make_unique<drivers::fake::FakeUeventSource>();
      uevents = source.get();
      return std::unique_ptr<drivers::UeventSource>(std::move(source));
    };
    set.activity = std::make_unique<drivers::fake::FakeFileActivitySource>();
    set.printSpooler = std::make_unique<drivers::fake::FakePrintSpooler>();
    set.p2p = [](const std::string&) {
      p2p::P2pGuardDrivers p2p;
      p2p.processes = std::make_unique<drivers::fake::FakeProcesses>();
      p2p.control = std::make_unique<drivers::fake::FakeProcesses>();
      p2p.openEvents = []() -> common::Result<std::unique_ptr<drivers::ProcessEventSource>> {
        return common::makeError("no process events in this test", "p2p");
      };
      p2p.ticksSinceBoot = [] { return std::uint64_t{0}; };
      p2p.monotonicNs = [] { return std::uint64_t{0}; };
      p2p.openPackets = []() -> common::Result<std::unique_ptr<drivers::PacketSource>> {
        return common::makeError("no packets in this test", "p2p");
      };
      p2p.flowOwner = [](const p2p::Flow&, const std::vector<pid_t>&) { return std::optional<pid_t>{}; };
      p2p.startExecGuard = [](p2p::P2pGuardDrivers::ExecDecide) -> common::Result<std::shared_ptr<void>> {
        return common::makeError("no exec guard in this test", "p2p");
      };
      p2p.learnInstalled = false;
      return p2p;
    };
    set.processUsage = std::make_unique<QuietUsage>();
    set.notifyService = [this](const std::string& message) { serviceMessages.push_back(message); };
    auto desktop = std::make_unique<RecordingNotifier>();
    notifier = desktop.get();
    set.notifier = std::move(desktop);
    set.hashFile = [](const std::string& path) -> common::Result<std::string> { return common::sha256Hex(path); };
    set.peerUser = [](int) -> common::Result<std::string> { return std::string("alice"); };
    return set;
  }

  // Plugs a stick on the fake bus and tells the agent as the kernel would.
  void plug(const drivers::UsbDevice& device) {
    REQUIRE(uevents != nullptr);
    usb->plug(device);
    uevents->push(usbAdd(device.name));
  }

  bool collected(const std::string& type, const std::string& serial) {
    return test::waitFor([&] { return collector->count(type, "usb.serial", serial) > 0; });
  }

  test::TempDir dir;
  common::SigningKey key = common::SigningKey::generate().value();
  AgentOptions options;
  drivers::fake::FakeUeventSource* uevents = nullptr;  // owned by the agent once device control opened it
  FakeCollector* collector = nullptr;                  // owned by the agent
  drivers::fake::FakeUsbBus* usb = nullptr;            // owned by the agent
  RecordingNotifier* notifier = nullptr;               // owned by the agent
  std::vector<std::string> serviceMessages;
};

TEST_CASE("a whole agent over fake drivers: plugs decided, reported through the spool, policy applied live") {
  Fixture f;
  Agent agent(f.options, f.fakeDrivers());
  REQUIRE(agent.start() == Agent::kRunning);
  REQUIRE(f.collector != nullptr);
  // Ready for the service manager; the built-in policy is in force until the collector's arrives.
  CHECK(std::find(f.serviceMessages.begin(), f.serviceMessages.end(), "READY=1\nSTATUS=running") !=
        f.serviceMessages.end());
  CHECK(test::waitFor([&] { return f.collector->count("agent.started") == 1; }));
  CHECK(test::waitFor([&] { return f.collector->count("policy.applied", "policy.source", "builtin") == 1; }));

  // The stick attached before start, and one plugged now: blocked (mass storage), each reported once
  // through the spool and uploader, and the person at the PC told.
  CHECK(f.collected("device.blocked", "stick-1"));
  CHECK_FALSE(f.usb->at("2-1").authorized);
  f.plug(stick("2-3", "company-1"));
  CHECK(f.collected("device.blocked", "company-1"));
  CHECK_FALSE(f.usb->at("2-3").authorized);
  CHECK_FALSE(f.notifier->shown.empty());

  // The collector's policy for the group allow-lists company sticks: applied to the running agent.
  auto envelope = policy::makeSignedPolicyEnvelope(f.key, R"({"schema_version":1,"version":2,"name":"office",
    "group":"office","device_control":{"mode":"enforce","class_actions":{"mass_storage":"block"},
    "allow":[{"vendor_id":"46f4","product_id":"0001","serial":"company-1"}]}})");
  REQUIRE(envelope.ok());
  f.collector->servePolicy(envelope.value());
  CHECK(test::waitFor([&] { return f.collector->count("policy.applied", "policy.source", "collector") == 1; }));
  CHECK(f.usb->at("2-3").authorized);  // decided again under the new policy
  f.plug(stick("2-4", "company-1"));
  CHECK(f.collected("device.allowed", "company-1"));
  CHECK(test::waitFor([&] { return f.usb->at("2-4").authorized; }));
  f.plug(stick("2-5", "private-9"));
  CHECK(f.collected("device.blocked", "private-9"));
  CHECK_FALSE(f.usb->at("2-5").authorized);
  CHECK(f.collector->heartbeats >= 1);

  // A clean stop: agent.stopped reaches the collector.
  agent.requestStop(kExitOk, "test");
  CHECK(test::waitFor([&] { return f.collector->count("agent.stopped") == 1; }));
  CHECK(agent.close());
  CHECK(agent.exitCode() == kExitOk);
}

}  // namespace
}  // namespace mamori::agent
