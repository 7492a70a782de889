// ThunderboltControl over a copy of the recorded tree of a laptop with three Thunderbolt domains
// (tests/fixtures/sysfs/thunderbolt) through the real LinuxThunderboltBus: QEMU has no Thunderbolt,
// so `authorized` and `key` are files here and the test reads what the agent wrote. A device
// waiting at security user gets 1 when allowed and nothing when blocked; the dock the firmware
// authorized at boot is kept (or deauthorized when thunderbolt_keep_authorized is false); at secure a
// new key is stored and written with 1, the same key with 2 the next time; at none only a report.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "agent/device/ThunderboltControl.h"
#include "drivers/linux/LinuxThunderboltBus.h"
#include "tests/agent/device/ChannelFixture.h"
#include "tests/drivers/SysfsFixture.h"
#include "tests/support/TempDir.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::ThunderboltControl;
using mamori::drivers::test::SysfsCopy;

constexpr char kKey[] = "11111111111111111111111111111111ffffffffffffffffffffffffffffffff";  // 32 of each

struct TbFixture : ChannelFixture {
  TbFixture() : ChannelFixture("thunderbolt.kernel_name") {}
  SysfsCopy tree{"thunderbolt"};
  mamori::drivers::linux_os::LinuxThunderboltBus bus{tree.root()};
  mamori::testsupport::TempDir state;
  ThunderboltControl control{bus, sink, state.file("thunderbolt-keys"), [] { return kKey; }};

  std::string authorized(const std::string& name) const {
    return tree.attribute("bus/thunderbolt/devices/" + name + "/authorized");
  }
  std::string reason(const std::string& type, const std::string& device) const {
    const auto* event = last(type, device);
    return event == nullptr ? "(none)" : event->text("device.reason");
  }
  void plug(const std::string& name, const std::string& parent = "domain0/0-0/0-1") {
    control.handleUevent(
        uevent("add", "thunderbolt", "/devices/pci0000:00/0000:00:0d.2/" + parent + "/" + name, "thunderbolt_device"));
  }
};

}  // namespace

TEST_CASE("block: waiting devices stay unauthorized, the boot dock is kept, none is reported") {
  TbFixture f;
  f.control.apply(settingsFrom(R"({"thunderbolt": "block"})"));
  CHECK(f.authorized("0-301") == "0");
  REQUIRE(f.last("device.blocked", "0-301") != nullptr);
  CHECK(f.reason("device.blocked", "0-301") == "thunderbolt is block");
  CHECK(f.authorized("0-1") == "1");  // the dock in use at start
  REQUIRE(f.last("device.audit", "0-1") != nullptr);
  CHECK(f.reason("device.audit", "0-1") ==
        "authorized before the agent started (thunderbolt_keep_authorized), would block: thunderbolt is block");
  CHECK(f.authorized("1-1") == "0");  // secure, blocked: no key written
  CHECK(f.tree.attribute("bus/thunderbolt/devices/1-1/key").empty());
  REQUIRE(f.last("device.audit", "2-1") != nullptr);  // security none: the kernel authorized it
  CHECK(f.reason("device.audit", "2-1").rfind("security level none", 0) == 0);
  CHECK(f.last("device.connected", "0-301") != nullptr);
  CHECK(f.last("device.error", "0-301") == nullptr);
}

TEST_CASE("allow-listed by UUID or by model: user gets 1, secure gets a stored key, then a challenge") {
  TbFixture f;
  f.control.apply(settingsFrom(R"({"thunderbolt": "block", "thunderbolt_allow": [
      {"unique_id": "0E6B4A2C-9B1F-4D3E-8C7A-112233445566", "comment": "backup disk"},
      {"vendor_id": "01e3", "device_id": "0001", "comment": "OWC Envoy"}]})"));
  CHECK(f.authorized("0-301") == "1");
  REQUIRE(f.last("device.allowed", "0-301") != nullptr);
  CHECK(f.reason("device.allowed", "0-301") == "allowed by thunderbolt_allow entry 0 (backup disk)");
  // Secure: a new key for this UUID, stored (0600) and written with 1.
  CHECK(f.authorized("1-1") == "1");
  CHECK(f.tree.attribute("bus/thunderbolt/devices/1-1/key") == kKey);
  const std::string keyFile = f.state.file("thunderbolt-keys/5b6f3c1e-1111-2222-3333-444455556666");
  CHECK(mamori::drivers::test::readFile(keyFile) == std::string(kKey) + "\n");
  CHECK((std::filesystem::status(keyFile).permissions() & std::filesystem::perms::group_all) ==
        std::filesystem::perms::none);
  // Plugged again: the kernel shows it unauthorized; the stored key is used as a challenge.
  f.tree.write("bus/thunderbolt/devices/1-1/authorized", "0\n");
  f.tree.write("bus/thunderbolt/devices/1-1/key", "\n");
  f.plug("1-1", "domain1/1-0");
  CHECK(f.authorized("1-1") == "2");
  CHECK(f.tree.attribute("bus/thunderbolt/devices/1-1/key") == kKey);
}

TEST_CASE("thunderbolt_keep_authorized false deauthorizes a blocked device where the domain can") {
  TbFixture f;
  f.control.apply(settingsFrom(R"({"thunderbolt": "block", "thunderbolt_keep_authorized": false})"));
  CHECK(f.authorized("0-1") == "0");
  CHECK(f.last("device.blocked", "0-1") != nullptr);
  CHECK(f.authorized("2-1") == "1");  // security none: nothing to do, reported
  CHECK(f.last("device.audit", "2-1") != nullptr);
}

TEST_CASE("by default every device gets its tunnel: docks are never locked out") {
  TbFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK(f.authorized("0-301") == "1");
  REQUIRE(f.last("device.allowed", "0-301") != nullptr);
  CHECK(f.reason("device.allowed", "0-301") == "thunderbolt is allow");
}

TEST_CASE("a device plugged later is decided at its uevent; audit and off build the tunnel") {
  TbFixture f;
  f.control.apply(settingsFrom(R"({"thunderbolt": "audit"})"));
  CHECK(f.authorized("0-301") == "1");  // audit: the kernel's behaviour, reported as would block
  REQUIRE(f.last("device.audit", "0-301") != nullptr);
  CHECK(f.reason("device.audit", "0-301") == "audit, would block: thunderbolt is audit");

  TbFixture g;
  g.control.apply(settingsFrom(R"({"thunderbolt": "block"})"));
  g.tree.write("bus/thunderbolt/devices/0-1/authorized", "1\n");
  g.plug("0-1");  // unplugged and plugged again: no longer the dock from start
  CHECK(g.last("device.blocked", "0-1") != nullptr);
  CHECK(g.authorized("0-1") == "0");  // deauthorized: the domain supports it
  g.control.apply(settingsFrom(R"({"mode": "off"})"));
  CHECK(g.authorized("0-301") == "1");
  CHECK(g.authorized("0-1") == "1");
}
