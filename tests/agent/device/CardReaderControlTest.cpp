// CardReaderControl over the recorded card reader tree (tests/fixtures/sysfs/cardreader) through the
// fake mmc bus: autoprobe off, the SD card unbound or made read-only, the eMMC system disk untouched,
// cards inserted later decided from their uevent.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "agent/device/CardReaderControl.h"
#include "drivers/fake/FakeMmcBus.h"
#include "drivers/fake/FakeUsbBus.h"
#include "policy/PolicyParser.h"
#include "tests/agent/device/ChannelFixture.h"
#include "tests/support/CallbackEventSink.h"

namespace {

using namespace mamori::agent::device::test;  // NOLINT(google-build-using-namespace)
using mamori::agent::device::CardReaderControl;
using mamori::drivers::fake::FakeMmcBus;

struct CardFixture : FakeBusFixture<FakeMmcBus> {
  CardFixture() : FakeBusFixture("cardreader", "mmc.kernel_name") {}
  CardReaderControl control{bus, blocks, sink};
};

mamori::drivers::MmcCard sdCard(const std::string& name, const std::string& cid) {
  mamori::drivers::MmcCard card;
  card.name = name;
  card.devpath = "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/" + name;
  card.type = "SD";
  card.cid = cid;
  return card;
}

constexpr char kOtherCid[] = "1b534d454230515430a0b0c0d0013100";

}  // namespace

TEST_CASE("default policy: autoprobe off, the SD card present at start loses its disk, eMMC is untouched") {
  CardFixture f;
  f.control.apply(settingsFrom("{}"));
  CHECK_FALSE(f.bus.autoprobe());
  CHECK_FALSE(f.bus.at("mmc0:aaaa").bound);
  CHECK(f.wrote("unbind mmc0:aaaa"));
  CHECK(f.bus.at("mmc1:0001").bound);
  CHECK_FALSE(f.wrote("unbind mmc1:0001"));
  CHECK(f.emitted("device.blocked", "mmc0:aaaa"));
  CHECK_FALSE(f.emitted("device.blocked", "mmc1:0001"));
  CHECK(f.events.back().text("mmc.cid") == "035344534433324780b1d2e3f4016200");

  // A card inserted later stays without a driver: the kernel does not probe it, the agent does not bind it.
  f.bus.insert(sdCard("mmc0:bbbb", kOtherCid), {"mmcblk2"});
  CHECK_FALSE(f.bus.at("mmc0:bbbb").bound);
  f.control.handleUevent(uevent("add", "mmc", "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/mmc0:bbbb"));
  CHECK_FALSE(f.bus.at("mmc0:bbbb").bound);
  CHECK(f.emitted("device.blocked", "mmc0:bbbb"));
}

TEST_CASE("read_only: existing disks at once, a new card's disk as its block uevent arrives") {
  CardFixture f;
  f.control.apply(settingsFrom(R"({"card_readers":"read_only"})"));
  CHECK(f.bus.at("mmc0:aaaa").bound);
  CHECK(f.blocks.readOnly == std::set<std::string>{"mmcblk0", "mmcblk0p1"});
  CHECK(f.emitted("device.read_only", "mmc0:aaaa"));

  f.bus.insert(sdCard("mmc0:bbbb", kOtherCid), {"mmcblk2"});
  const std::string card = "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/mmc0:bbbb";
  f.control.handleUevent(uevent("add", "mmc", card));
  CHECK(f.wrote("bind mmc0:bbbb"));
  f.control.handleUevent(uevent("add", "block", card + "/block/mmcblk2"));
  CHECK(f.blocks.readOnly.count("mmcblk2") == 1);
}

TEST_CASE("card_allow opens one card; audit and off give the kernel's default back") {
  {
    CardFixture f;
    f.control.apply(settingsFrom(std::string(R"({"card_allow":[{"cid":")") + kOtherCid + R"("}]})"));
    f.bus.insert(sdCard("mmc0:bbbb", kOtherCid), {"mmcblk2"});
    f.control.handleUevent(uevent("add", "mmc", "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/mmc0:bbbb"));
    CHECK(f.bus.at("mmc0:bbbb").bound);
    CHECK(f.emitted("device.allowed", "mmc0:bbbb"));
    CHECK_FALSE(f.bus.at("mmc0:aaaa").bound);  // the other card stays blocked
  }
  {
    CardFixture f;
    f.control.apply(settingsFrom("{}"));
    f.control.apply(settingsFrom(R"({"card_readers":"audit"})"));
    CHECK_FALSE(f.bus.autoprobe());  // audit only for cards: the mode is still enforce
    CHECK(f.bus.at("mmc0:aaaa").bound);
    CHECK(f.emitted("device.audit", "mmc0:aaaa"));
  }
  {
    CardFixture f;
    f.control.apply(settingsFrom("{}"));
    f.control.apply(settingsFrom(R"({"mode":"off"})"));
    CHECK(f.bus.autoprobe());
    CHECK(f.bus.at("mmc0:aaaa").bound);
  }
}

TEST_CASE("an mmc bus that appears after the policy was applied is closed by its first card's uevent") {
  CardFixture f;
  FakeMmcBus empty;  // no mmc_core yet
  mamori::testsupport::CallbackEventSink ignored{
      [](const std::string&, mamori::common::Severity, const Poco::JSON::Object::Ptr&) {}};
  CardReaderControl control{empty, f.blocks, ignored};
  control.apply(settingsFrom("{}"));
  CHECK(empty.writes().empty());
  empty.insert(sdCard("mmc0:cccc", kOtherCid), {"mmcblk0"});  // bound: autoprobe was still on
  control.handleUevent(uevent("add", "mmc", "/devices/pci0000:00/0000:00:05.0/mmc_host/mmc0/mmc0:cccc"));
  CHECK_FALSE(empty.autoprobe());
  CHECK_FALSE(empty.at("mmc0:cccc").bound);
}
