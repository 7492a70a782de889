// LinuxStorageNodes: /proc/devices and device numbers parsed from strings; the NVMe nodes of a small
// sysfs tree made here (/sys/dev/block and /sys/dev/char links, a multipath disk below the
// nvme-subsystem class), each with the PCI functions it depends on.
#include <stdlib.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "drivers/linux/LinuxStorageNodes.h"
#include "drivers/linux/OpticalSysfsParser.h"

namespace {

namespace fs = std::filesystem;
using mamori::drivers::DeviceNumber;
using mamori::drivers::kAnyMinor;
using mamori::drivers::linux_os::belowUsb;
using mamori::drivers::linux_os::LinuxStorageNodes;
using mamori::drivers::linux_os::nearestPciFunction;
using mamori::drivers::linux_os::parseDeviceNumber;
using mamori::drivers::linux_os::parseProcDevices;
using mamori::drivers::linux_os::parseUnitSerial;
using mamori::drivers::linux_os::scsiDeviceDevpath;

const char* const kProcDevices =
    "Character devices:\n  1 mem\n  4 tty\n 21 sg\n239 nvme-generic\n240 nvme\n\n"
    "Block devices:\n  7 loop\n  8 sd\n 11 sr\n259 blkext\n";

class Tree {
 public:
  Tree() {
    std::string pattern = (fs::temp_directory_path() / "mamori-nodes-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    base_ = pattern;
    fs::create_directories(base_ + "/sys/dev/block");
    fs::create_directories(base_ + "/sys/dev/char");
    fs::create_directories(base_ + "/proc");
    std::ofstream(base_ + "/proc/devices") << kProcDevices;
  }
  ~Tree() {
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }
  // A device directory at devpath with its /sys/dev link "major:minor".
  void node(bool block, const std::string& number, const std::string& devpath, bool partition = false) {
    fs::create_directories(base_ + "/sys" + devpath);
    if (partition) std::ofstream(base_ + "/sys" + devpath + "/partition") << "1\n";
    fs::create_symlink("../.." + devpath, base_ + "/sys/dev/" + (block ? "block/" : "char/") + number);
  }
  void link(const std::string& at, const std::string& devpath) {
    fs::create_symlink(fs::relative(base_ + "/sys" + devpath, fs::path(base_ + "/sys" + at).parent_path()),
                       base_ + "/sys" + at);
  }
  void file(const std::string& path, const std::string& content) {
    std::ofstream(base_ + "/sys" + path, std::ios::binary) << content;
  }
  LinuxStorageNodes nodes() const { return LinuxStorageNodes(base_ + "/sys", base_ + "/proc", base_ + "/dev"); }

 private:
  std::string base_;
};

constexpr char kBoot[] = "/devices/pci0000:00/0000:00:1c.0/0000:02:00.0";
constexpr char kSecond[] = "/devices/pci0000:00/0000:00:1d.0/0000:03:00.0";

}  // namespace

TEST_CASE("/proc/devices: the majors of one section by name") {
  const auto block = parseProcDevices(kProcDevices, true);
  CHECK(block.at("blkext") == 259);
  CHECK(block.at("sd") == 8);
  CHECK(block.count("nvme") == 0);
  const auto chars = parseProcDevices(kProcDevices, false);
  CHECK(chars.at("nvme") == 240);
  CHECK(chars.at("nvme-generic") == 239);
  CHECK(chars.count("blkext") == 0);
  CHECK(parseProcDevices("Block devices:\nx blkext\n259\n 12345678901 huge\n", true).empty());
  CHECK(parseProcDevices("", true).empty());
}

TEST_CASE("device numbers and the nearest PCI function of a devpath") {
  CHECK(parseDeviceNumber("259:3\n", true) == DeviceNumber{true, 259, 3});
  CHECK(parseDeviceNumber("240:0", false) == DeviceNumber{false, 240, 0});
  CHECK_FALSE(parseDeviceNumber("259", true));
  CHECK_FALSE(parseDeviceNumber("259:x", true));
  CHECK_FALSE(parseDeviceNumber(":1", true));
  CHECK(nearestPciFunction(std::string(kBoot) + "/nvme/nvme1/nvme1n1") == "0000:02:00.0");
  CHECK(nearestPciFunction("/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0/block/sda") ==
        "0000:00:14.0");
  CHECK(nearestPciFunction("/devices/virtual/block/loop0/loop0p1").empty());
  CHECK(nearestPciFunction("/devices/pci0000:00").empty());
  CHECK(nearestPciFunction("").empty());
}

TEST_CASE("the nodes on the NVMe majors and the PCI functions they depend on") {
  Tree tree;
  tree.node(true, "259:0", std::string(kBoot) + "/nvme/nvme1/nvme1n1");
  tree.node(true, "259:1", std::string(kBoot) + "/nvme/nvme1/nvme1n1/nvme1n1p1", true);
  tree.node(false, "240:1", std::string(kBoot) + "/nvme/nvme1");
  tree.node(true, "8:0", "/devices/pci0000:00/0000:00:14.0/usb2/2-1/block/sda");
  tree.node(true, "259:2", "/devices/virtual/block/loop0/loop0p1", true);
  // A multipath disk of a subsystem with two controllers, one on each PCI function.
  tree.node(false, "240:2", std::string(kSecond) + "/nvme/nvme2");
  tree.node(true, "259:3", "/devices/virtual/nvme-subsystem/nvme-subsys2/nvme2n1");
  tree.link("/devices/virtual/nvme-subsystem/nvme-subsys2/nvme1", std::string(kBoot) + "/nvme/nvme1");
  tree.link("/devices/virtual/nvme-subsystem/nvme-subsys2/nvme2", std::string(kSecond) + "/nvme/nvme2");
  // A multipath disk whose controllers are not listed (yet).
  tree.node(true, "259:4", "/devices/virtual/nvme-subsystem/nvme-subsys3/nvme3n1");
  const auto nodes = tree.nodes();

  const auto majors = nodes.majors(false);
  REQUIRE(majors.ok());
  CHECK(majors.value().at("nvme") == 240);
  auto all = nodes.nodesOn({{true, 259, kAnyMinor}, {false, 240, kAnyMinor}});
  REQUIRE(all.ok());
  CHECK(all.value().size() == 7);  // not sda (major 8)

  auto disk = nodes.node({true, 259, 0});
  REQUIRE(disk.ok());
  CHECK(disk.value().name == "nvme1n1");
  CHECK(disk.value().devpath == std::string(kBoot) + "/nvme/nvme1/nvme1n1");
  CHECK(disk.value().disk);
  CHECK(disk.value().pciFunctions == std::vector<std::string>{"0000:02:00.0"});
  auto partition = nodes.node({true, 259, 1});
  REQUIRE(partition.ok());
  CHECK_FALSE(partition.value().disk);
  auto controller = nodes.node({false, 240, 1});
  REQUIRE(controller.ok());
  CHECK_FALSE(controller.value().disk);
  CHECK(controller.value().name == "nvme1");
  auto loop = nodes.node({true, 259, 2});
  REQUIRE(loop.ok());
  CHECK(loop.value().pciFunctions.empty());
  CHECK(loop.value().resolved);
  auto multipath = nodes.node({true, 259, 3});
  REQUIRE(multipath.ok());
  auto functions = multipath.value().pciFunctions;
  std::sort(functions.begin(), functions.end());
  CHECK(functions == std::vector<std::string>{"0000:02:00.0", "0000:03:00.0"});
  CHECK(multipath.value().resolved);
  auto orphan = nodes.node({true, 259, 4});
  REQUIRE(orphan.ok());
  CHECK_FALSE(orphan.value().resolved);
  CHECK_FALSE(nodes.node({true, 259, 9}).ok());
}

TEST_CASE("SCSI facts of a devpath: its SCSI device, USB or not, the unit serial of VPD page 0x80") {
  const std::string esata = "/devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0";
  CHECK(scsiDeviceDevpath(esata + "/block/sdb/sdb1") == esata);
  CHECK(scsiDeviceDevpath(esata + "/scsi_generic/sg2") == esata);
  CHECK(scsiDeviceDevpath(esata + "/bsg/2:0:0:0") == esata);  // the bsg node's name is an address too
  CHECK(scsiDeviceDevpath(std::string(kBoot) + "/nvme/nvme1/nvme1n1").empty());
  CHECK(scsiDeviceDevpath("/devices/x/target2:0/2:0:0:0").empty());
  CHECK(belowUsb("/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0/block/sda"));
  CHECK_FALSE(belowUsb(esata + "/block/sdb"));
  CHECK_FALSE(belowUsb("/devices/platform/usbx/block/sdb"));
  CHECK(parseUnitSerial(std::string("\0\x80\0\x0a"
                                    "  disk-1 \0\0",
                                    14)) == "disk-1");
  CHECK(parseUnitSerial(std::string("\0\x80\0\x10"
                                    "ab",
                                    6)) == "ab");  // a length beyond the page: what is there
  CHECK(parseUnitSerial(std::string("\0\x83\0\x02"
                                    "ab",
                                    6))
            .empty());  // another page
  CHECK(parseUnitSerial(std::string("\0\x80\0\x02\x01"
                                    "b",
                                    6))
            .empty());  // not printable
  CHECK(parseUnitSerial("").empty());
}

TEST_CASE("the nodes of a SCSI disk carry its SCSI device, INQUIRY strings and serial") {
  Tree tree;
  const std::string esata = "/devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0";
  tree.node(true, "8:16", esata + "/block/sdb");
  tree.node(true, "8:17", esata + "/block/sdb/sdb1", true);
  tree.node(false, "21:2", esata + "/scsi_generic/sg2");
  tree.file(esata + "/type", "0\n");
  tree.file(esata + "/vendor", "ATA     \n");
  tree.file(esata + "/model", "Portable SSD    \n");
  tree.file(esata + "/vpd_pg80", std::string("\0\x80\0\x08"
                                             "company1",
                                             12));
  const std::string usb = "/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0";
  tree.node(true, "8:0", usb + "/block/sda");
  const auto nodes = tree.nodes();
  auto all = nodes.nodesOn({{true, 8, kAnyMinor}, {false, 21, kAnyMinor}});
  REQUIRE(all.ok());
  CHECK(all.value().size() == 4);
  for (const DeviceNumber number : {DeviceNumber{true, 8, 16}, DeviceNumber{true, 8, 17}, DeviceNumber{false, 21, 2}}) {
    auto node = nodes.node(number);
    REQUIRE(node.ok());
    CHECK(node.value().scsiDevice == "2:0:0:0");
    CHECK(node.value().scsiDevpath == esata);
    CHECK(node.value().scsiType == 0);
    CHECK(node.value().vendor == "ATA");
    CHECK(node.value().model == "Portable SSD");
    CHECK(node.value().serial == "company1");
    CHECK_FALSE(node.value().usb);
    CHECK(node.value().pciFunctions == std::vector<std::string>{"0000:00:1f.2"});
  }
  CHECK(nodes.node({true, 8, 16}).value().disk);
  auto stick = nodes.node({true, 8, 0});
  REQUIRE(stick.ok());
  CHECK(stick.value().usb);
  CHECK(stick.value().scsiType == -1);  // no type file: unknown
  CHECK(stick.value().serial.empty());
}
