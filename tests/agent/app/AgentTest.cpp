// A whole Agent over a fake driver set (drivers/fake) and a fake collector: the composition root as
// main() runs it, with every capability registered, the real spool, uploader, heartbeat, policy sync
// and service guard, and nothing touching the machine. A USB stick plugged on the fake bus is blocked
// under the built-in policy, its event reaches the collector through the spool and the person at the
// PC is told how to ask for it; Thunderbolt devices are decided on the fake bus; activity watches the
// cloud folders in the fake homes. The collector's signed policy is then applied to the running agent
// and decides the next plugs. Across two runs, a changed binary and a new unit file are reported, and
// memory use over agent_limits stops the agent with the exit status systemd restarts it on.

#include <Poco/JSON/Object.h>
#include <QCoreApplication>
#include <QObject>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/app/Agent.h"
#include "agent/guard/ServiceGuard.h"
#include "agent/policysync/PolicyFiles.h"
#include "agent/report/IdentityStore.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/SigningKey.h"
#include "drivers/fake/FakeDesktopNotifier.h"
#include "drivers/fake/FakeDeviceGate.h"
#include "drivers/fake/FakeFileActivitySource.h"
#include "drivers/fake/FakeFileHasher.h"
#include "drivers/fake/FakeHomeDirectories.h"
#include "drivers/fake/FakeMmcBus.h"
#include "drivers/fake/FakeOpticalDrives.h"
#include "drivers/fake/FakePciBus.h"
#include "drivers/fake/FakePrintSpooler.h"
#include "drivers/fake/FakeProcessUsage.h"
#include "drivers/fake/FakeProcesses.h"
#include "drivers/fake/FakeStorageNodes.h"
#include "drivers/fake/FakeSystemInfo.h"
#include "drivers/fake/FakeThunderboltBus.h"
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
constexpr const char* kThunderboltTree = MAMORI_SYSFS_FIXTURES "/thunderbolt";  // a laptop with three domains

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
    return static_cast<int>(std::count_if(
        events.begin(), events.end(), [&](const common::Event& event) { return matches(event, type, key, value); }));
  }
  // The details of the last such event; null when there is none.
  Poco::JSON::Object::Ptr last(const std::string& type, const std::string& key, const std::string& value) const {
    const auto found = std::find_if(events.rbegin(), events.rend(),
                                    [&](const common::Event& event) { return matches(event, type, key, value); });
    return found == events.rend() ? Poco::JSON::Object::Ptr() : found->details;
  }

  std::vector<common::Event> events;
  int heartbeats = 0;

 private:
  static bool matches(const common::Event& event, const std::string& type, const std::string& key,
                      const std::string& value) {
    return event.type == type && (key.empty() || event.details->optValue<std::string>(key, "") == value);
  }
  // Posted to an object this transport owns: an answer still queued when the agent (and with it its
  // transport) is gone is dropped, as the real transport drops it, instead of reaching a freed spool.
  void later(std::function<void()> call) {
    QMetaObject::invokeMethod(&context_, std::move(call), Qt::QueuedConnection);
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
  QObject context_;
};

// A Thunderbolt enclosure waiting at security level user on the recorded laptop's first domain.
drivers::ThunderboltDevice envoy(const std::string& name) {
  drivers::ThunderboltDevice device;
  device.name = name;
  device.devpath = "/devices/pci0000:00/0000:00:0d.2/domain0/0-0/" + name;
  device.security = "user";
  device.uniqueId = "c0ffee00-0000-4000-8000-000000000003";
  device.vendorId = 0x01e3;
  device.deviceId = 0x0002;
  device.vendorName = "OWC";
  device.deviceName = "Envoy Express";
  device.canDeauthorize = true;
  return device;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

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
    // The files the integrity check watches, as the package installed them.
    files->write("/proc/self/exe", "mamori-agent 1.0");
  }

  // A new driver set for each run of the agent (the files the hasher reads outlive them).
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
    set.devices.usb = own(usb, drivers::fake::FakeUsbBus::fromSysfsTree(kTree));
    set.devices.blocks = std::make_unique<drivers::fake::FakeBlockDevices>();
    set.devices.mmc = std::make_unique<drivers::fake::FakeMmcBus>(drivers::fake::FakeMmcBus::fromSysfsTree(kTree));
    set.devices.pci = std::make_unique<drivers::fake::FakePciBus>(drivers::fake::FakePciBus::fromSysfsTree(kTree));
    set.devices.optical = std::make_unique<drivers::fake::FakeOpticalDrives>();
    set.devices.accessGate = std::make_unique<drivers::fake::FakeDeviceGate>();
    set.devices.storageNodes = std::make_unique<drivers::fake::FakeStorageNodes>();
    set.devices.thunderbolt = own(thunderbolt, drivers::fake::FakeThunderboltBus::fromSysfsTree(kThunderboltTree));
    set.devices.openUevents = [this]() -> common::Result<std::unique_ptr<drivers::UeventSource>> {
      auto source = std::make_unique<drivers::fake::FakeUeventSource>();
      uevents = source.get();
      return std::unique_ptr<drivers::UeventSource>(std::move(source));
    };
    set.activity = own(activity);
    set.homes = own(homes, std::vector<std::string>{home("alice"), home("bob")});
    set.printSpooler = std::make_unique<drivers::fake::FakePrintSpooler>();
    set.p2p = [](const std::string&) {
      p2p::P2pGuardDrivers p2p;
      p2p.processes = std::make_unique<drivers::fake::FakeProcesses>();
      p2p.control = std::make_unique<drivers::fake::FakeProcesses>();
      p2p.hashes = std::make_shared<drivers::fake::FakeFileHasher>();
      p2p.openEvents = []() -> common::Result<std::unique_ptr<drivers::ProcessEventSource>> {
        return common::makeError("no process events in this test", "p2p");
      };
      p2p.ticksSinceBoot = [] { return std::uint64_t{0}; };
      p2p.monotonicNs = [] { return std::uint64_t{0}; };
      p2p.openPackets = []() -> common::Result<std::unique_ptr<drivers::PacketSource>> {
        return common::makeError("no packets in this test", "p2p");
      };
      p2p.flowOwner = [](const p2p::Flow&, const std::vector<pid_t>&) { return std::optional<pid_t>{}; };
      p2p.startExecGuard = [](const p2p::P2pGuardDrivers::ExecDecide&)
          -> common::Result<std::shared_ptr<p2p::P2pGuardDrivers::ExecGuard>> {
        return common::makeError("no exec guard in this test", "p2p");
      };
      p2p.learnInstalled = false;
      return p2p;
    };
    // A quiet agent: 64 MiB resident, no CPU used.
    set.processUsage = own(usage);
    usage->thread("mamori-agent");
    usage->next.residentKib = std::int64_t{64} * 1024;
    set.notifyService = [this](const std::string& message) { serviceMessages.push_back(message); };
    set.notifier = own(notifier);
    set.hashFile = [files = files](const std::string& path) { return files->sha256(path); };
    set.peerUser = [](int) -> common::Result<std::string> { return std::string("alice"); };
    return set;
  }

  std::string home(const std::string& user) const { return dir.path() + "/home/" + user; }

  // Plugs a stick on the fake bus and tells the agent as the kernel would.
  void plug(const drivers::UsbDevice& device) {
    REQUIRE(uevents != nullptr);
    usb->plug(device);
    uevents->push(usbAdd(device.name));
  }
  void plug(const drivers::ThunderboltDevice& device) {
    REQUIRE(uevents != nullptr);
    thunderbolt->plug(device);
    uevents->push(device::test::uevent("add", "thunderbolt", device.devpath, "thunderbolt_device"));
  }

  bool collected(const std::string& type, const std::string& serial) { return collected(type, "usb.serial", serial); }
  bool collected(const std::string& type, const std::string& field, const std::string& value) {
    return test::waitFor([&] { return collector->count(type, field, value) > 0; });
  }

  // The notice shown to the person at the PC about this device (its request command names it).
  std::optional<drivers::fake::FakeDesktopNotifier::Notice> noticeAbout(const std::string& device) const {
    for (const auto& notice : notifier->shown()) {
      if (notice.body.find("mamori-agent request --device " + device + " ") != std::string::npos) return notice;
    }
    return std::nullopt;
  }

  test::TempDir dir;
  common::SigningKey key = common::SigningKey::generate().value();
  AgentOptions options;
  std::shared_ptr<drivers::fake::FakeFileHasher> files = std::make_shared<drivers::fake::FakeFileHasher>();
  std::vector<std::string> serviceMessages;
  // Owned by the agent of the current run.
  drivers::fake::FakeUeventSource* uevents = nullptr;  // once device control opened it
  FakeCollector* collector = nullptr;
  drivers::fake::FakeUsbBus* usb = nullptr;
  drivers::fake::FakeThunderboltBus* thunderbolt = nullptr;
  drivers::fake::FakeFileActivitySource* activity = nullptr;
  drivers::fake::FakeHomeDirectories* homes = nullptr;
  drivers::fake::FakeProcessUsage* usage = nullptr;
  drivers::fake::FakeDesktopNotifier* notifier = nullptr;

 private:
  // Makes a fake for the driver set and keeps a pointer to it for the test.
  template <typename Fake, typename... Args>
  static std::unique_ptr<Fake> own(Fake*& keep, Args&&... args) {
    auto owned = std::make_unique<Fake>(std::forward<Args>(args)...);
    keep = owned.get();
    return owned;
  }
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
  // through the spool and uploader, and the person at the PC told what it was and how to ask for it.
  CHECK(f.collected("device.blocked", "stick-1"));
  CHECK_FALSE(f.usb->at("2-1").authorized);
  f.plug(stick("2-3", "company-1"));
  CHECK(f.collected("device.blocked", "company-1"));
  CHECK_FALSE(f.usb->at("2-3").authorized);
  const auto notice = f.noticeAbout("2-3");
  REQUIRE(notice);
  CHECK(notice->summary == "Device blocked by company policy");
  CHECK(notice->body.rfind("46f4:0001 cannot be used on this PC", 0) == 0);

  // Thunderbolt under the built-in policy: every device gets its tunnel (the waiting enclosure at
  // level user is authorized; the one at secure gets a key first).
  CHECK(f.collected("device.allowed", "thunderbolt.kernel_name", "0-301"));
  CHECK(f.thunderbolt->at("0-301").authorized == 1);
  CHECK(f.collected("device.allowed", "thunderbolt.kernel_name", "1-1"));
  CHECK(f.thunderbolt->at("1-1").authorized == 1);
  CHECK(std::any_of(f.thunderbolt->writes().begin(), f.thunderbolt->writes().end(),
                    [](const std::string& write) { return write.rfind("key 1-1 ", 0) == 0; }));

  // Activity watches the cloud-sync folders in every home of this PC.
  CHECK(contains(f.activity->roots(), f.home("alice") + "/Dropbox"));
  CHECK(contains(f.activity->roots(), f.home("bob") + "/OneDrive"));

  // The collector's policy for the group allow-lists company sticks, blocks Thunderbolt and watches
  // ~/Documents; a new user has signed in meanwhile. Applied to the running agent.
  f.homes->set({f.home("alice"), f.home("bob"), f.home("carol")});
  auto envelope = policy::makeSignedPolicyEnvelope(f.key, R"({"schema_version":1,"version":2,"name":"office",
    "group":"office","device_control":{"mode":"enforce","class_actions":{"mass_storage":"block"},
    "allow":[{"vendor_id":"46f4","product_id":"0001","serial":"company-1"}],"thunderbolt":"block"},
    "activity":{"watched":["~/Documents"]}})");
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
  CHECK(contains(f.activity->roots(), f.home("carol") + "/Documents"));

  // Thunderbolt blocked: the enclosure the built-in let in loses its tunnel (its domain can), the dock
  // the firmware authorized before the agent is kept, and one plugged now waits unauthorized.
  CHECK(f.collected("device.blocked", "thunderbolt.kernel_name", "0-301"));
  CHECK(f.thunderbolt->at("0-301").authorized == 0);
  CHECK(f.thunderbolt->at("0-1").authorized == 1);
  f.plug(envoy("0-3"));
  CHECK(f.collected("device.blocked", "thunderbolt.kernel_name", "0-3"));
  CHECK(f.thunderbolt->at("0-3").authorized == 0);
  const auto blocked = f.noticeAbout("0-3");
  REQUIRE(blocked);
  CHECK(blocked->body.rfind("The Thunderbolt device OWC Envoy Express cannot be used on this PC", 0) == 0);

  // A clean stop: agent.stopped reaches the collector.
  agent.requestStop(kExitOk, "test");
  CHECK(test::waitFor([&] { return f.collector->count("agent.stopped") == 1; }));
  CHECK(agent.close());
  CHECK(agent.exitCode() == kExitOk);
}

TEST_CASE("the whole agent again: changed files reported at the next start; over its memory limit it exits 3") {
  Fixture f;
  f.options.limitWindowMs = 50;
  {
    Agent first(f.options, f.fakeDrivers());
    REQUIRE(first.start() == Agent::kRunning);
    CHECK(test::waitFor([&] { return f.collector->count("agent.started") == 1; }));
    first.requestStop(kExitOk, "test");
    CHECK(test::waitFor([&] { return f.collector->count("agent.stopped") == 1; }));
    CHECK(first.close());
    CHECK(f.collector->count("agent.modified") == 0);  // the first run records the digests
  }

  // Between the runs the binary is replaced and an administrator's unit file appears.
  f.files->write("/proc/self/exe", "mamori-agent 1.1");
  f.files->write("/etc/systemd/system/mamori-agent.service", "[Service]\nExecStart=/bin/true\n");
  f.serviceMessages.clear();
  Agent second(f.options, f.fakeDrivers());
  REQUIRE(second.start() == Agent::kRunning);
  CHECK(test::waitFor([&] { return f.collector->count("agent.modified") == 2; }));
  const auto binary = f.collector->last("agent.modified", "file.role", "binary");
  REQUIRE_FALSE(binary.isNull());
  CHECK(binary->getValue<std::string>("file.sha256_before") == common::sha256Hex("mamori-agent 1.0"));
  CHECK(binary->getValue<std::string>("file.sha256") == common::sha256Hex("mamori-agent 1.1"));
  const auto unit = f.collector->last("agent.modified", "file.role", "unit_override");
  REQUIRE_FALSE(unit.isNull());
  CHECK(unit->getValue<std::string>("file.sha256_before").empty());
  CHECK(f.collector->count("agent.unclean_stop") == 0);  // the first run stopped cleanly

  // 600 MiB resident, over the built-in 512, for three windows in a row: reported, and the agent
  // stops with the status the unit restarts it on (Restart=always; only 2 and 4 prevent it).
  CHECK(f.usage->samples() >= 1);
  f.usage->next.residentKib = std::int64_t{600} * 1024;
  CHECK(f.collected("agent.limit_exceeded", "limit.resource", "memory"));
  const auto breach = f.collector->last("agent.limit_exceeded", "limit.resource", "memory");
  REQUIRE_FALSE(breach.isNull());
  CHECK(breach->getValue<std::int64_t>("limit.value") == 512);
  CHECK(breach->getValue<int>("limit.windows") == 3);
  CHECK(test::waitFor([&] { return f.collector->count("agent.stopped") == 1; }));
  CHECK(std::find(f.serviceMessages.begin(), f.serviceMessages.end(), "STOPPING=1") != f.serviceMessages.end());
  CHECK(second.close());
  CHECK(second.exitCode() == guard::kExitLimitExceeded);
}

}  // namespace
}  // namespace mamori::agent
