#include <doctest/doctest.h>

#include "drivers/linux/MountInfoParser.h"

using namespace mamori::drivers;
using namespace mamori::drivers::linux_os;
using mamori::common::pathIsUnder;

namespace {
const char* kTable =
    "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
    "25 22 0:21 / /tmp rw,nosuid shared:5 - tmpfs tmpfs rw\n"
    "40 22 8:17 / /media/alice/MY\\040STICK rw,nosuid master:7 shared:9 - vfat /dev/sdb1 rw,fmask=0022\n"
    "41 25 7:0 / /tmp/t/usb rw - vfat /dev/loop0 rw\n";
}

TEST_CASE("mountinfo: fields, escapes and optional fields") {
  auto parsed = parseMountInfo(kTable);
  REQUIRE(parsed);
  const auto& mounts = parsed.value();
  REQUIRE(mounts.size() == 4);
  CHECK(mounts[0].mountPoint == "/");
  CHECK(mounts[0].fsType == "ext4");
  CHECK(mounts[0].source == "/dev/nvme0n1p2");
  CHECK(mounts[2].mountPoint == "/media/alice/MY STICK");
  CHECK(mounts[2].major == 8);
  CHECK(mounts[2].minor == 17);
  CHECK(mounts[2].fsType == "vfat");
  CHECK(mounts[3].parentId == 25);
}

TEST_CASE("mountinfo: malformed lines are errors naming the line") {
  for (const char* bad :
       {"22 1 259:2 / / rw - ext4\n", "x 1 259:2 / / rw - ext4 /dev/a rw\n", "22 1 2592 / / rw - ext4 /dev/a rw\n",
        "22 1 1:2 / relative rw - ext4 /dev/a rw\n", "22 1 1:2 / / rw ext4 /dev/a rw\n"}) {
    auto parsed = parseMountInfo(std::string("25 22 0:21 / /tmp rw - tmpfs tmpfs rw\n") + bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("line 2") != std::string::npos);
  }
  CHECK(parseMountInfo("").value().empty());
}

TEST_CASE("mountinfo: which mount holds a path, which mounts cover roots") {
  auto mounts = parseMountInfo(kTable).value();
  CHECK(pathIsUnder("/tmp/t/usb/a.docx", "/tmp/t/usb"));
  CHECK(pathIsUnder("/tmp/t/usb", "/tmp/t/usb/"));
  CHECK_FALSE(pathIsUnder("/tmp/t/usbx/a", "/tmp/t/usb"));
  CHECK(pathIsUnder("/etc", "/"));
  CHECK(mountHolding(mounts, "/tmp/t/usb/a.docx")->source == "/dev/loop0");
  CHECK(mountHolding(mounts, "/tmp/t/other")->mountPoint == "/tmp");
  CHECK(mountHolding(mounts, "/home/alice")->mountPoint == "/");
  CHECK(mountHolding(mounts, "relative") == nullptr);
  CHECK(mountPointsCovering(mounts, {"/tmp/t"}) == std::vector<std::string>{"/tmp", "/tmp/t/usb"});
  CHECK(mountPointsCovering(mounts, {"/home", "/media"}) == std::vector<std::string>{"/", "/media/alice/MY STICK"});
  // A table without "/" (a chroot sees only the mounts inside it): the root itself stands for its mount.
  const std::vector<MountEntry> inChroot(mounts.begin() + 1, mounts.end());
  REQUIRE(mounts.front().mountPoint == "/");
  CHECK(mountPointsCovering(inChroot, {"/home"}) == std::vector<std::string>{"/home"});
}
