// The /proc parsers over recorded files (tests/fixtures/proc) and hostile strings.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "common/Files.h"
#include "drivers/linux/ProcConnectorParser.h"
#include "drivers/linux/ProcParsers.h"

using namespace mamori::drivers::linux_os;

namespace {
std::string fixture(const std::string& relative) {
  auto text = mamori::common::readSmallFile(std::string(MAMORI_PROC_FIXTURES) + "/" + relative);
  REQUIRE(text.ok());
  return text.value();
}
}  // namespace

TEST_CASE("stat of a recorded python3 process") {
  auto stat = parseProcStat(fixture("4242/stat"));
  REQUIRE(stat.ok());
  CHECK(stat.value().pid == 7050);
  CHECK(stat.value().comm == "python3");
  CHECK(stat.value().state == 'S');
  CHECK(stat.value().ppid == 7049);
  CHECK(stat.value().startTime == 1066826);
  CHECK_FALSE(stat.value().kernelThread());
}

TEST_CASE("stat whose comm holds ') ' is split at the last parenthesis") {
  auto stat = parseProcStat(fixture("4244/stat"));
  REQUIRE(stat.ok());
  CHECK(stat.value().comm == "a) R 1 (b");
  CHECK(stat.value().state == 'S');
  CHECK(stat.value().ppid == 7049);
  CHECK(stat.value().startTime == 1066830);
}

TEST_CASE("a kernel thread is flagged") {
  auto stat = parseProcStat(fixture("2/stat"));
  REQUIRE(stat.ok());
  CHECK(stat.value().comm == "kthreadd");
  CHECK(stat.value().kernelThread());
}

TEST_CASE("bad stat lines are errors, not crashes") {
  CHECK_FALSE(parseProcStat("").ok());
  CHECK_FALSE(parseProcStat("12 comm S 1").ok());
  CHECK_FALSE(parseProcStat("12 (x) S 1 2 3").ok());
  CHECK_FALSE(parseProcStat("x (x) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1").ok());
  CHECK_FALSE(parseProcStat(")12 (").ok());
  CHECK_FALSE(parseProcStat("12 (x) SS 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1").ok());
  CHECK(parseProcStat("12 (x) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 77").ok());
}

TEST_CASE("uid from status") {
  auto uid = parseProcStatusUid(fixture("4242/status"));
  REQUIRE(uid.ok());
  CHECK(uid.value() == 0);
  auto other = parseProcStatusUid("Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t1\n");
  REQUIRE(other.ok());
  CHECK(other.value() == 1000);
  CHECK_FALSE(parseProcStatusUid("Name:\tx\n").ok());
  CHECK_FALSE(parseProcStatusUid("Uid:\tabc\n").ok());
}

TEST_CASE("cmdline arguments") {
  CHECK(parseCmdline(fixture("4242/cmdline")) ==
        std::vector<std::string>{"/usr/bin/python3", "-c", "import time; time.sleep(30)", "/work/secret-plan.torrent"});
  CHECK(parseCmdline(fixture("2/cmdline")).empty());
  CHECK(parseCmdline(std::string_view("a b c")) == std::vector<std::string>{"a b c"});
  CHECK(parseCmdline(std::string_view("a\0\0b\0", 5)) == std::vector<std::string>{"a", "", "b"});
}

TEST_CASE("executable mappings of a recorded python3") {
  const auto maps = parseProcMaps(fixture("4242/maps"));
  REQUIRE(maps.size() >= 3);
  CHECK(maps[0].path == "/usr/bin/python3.11");
  CHECK(maps[0].inode == 247970);
  CHECK_FALSE(maps[0].deleted);
  bool libc = false;
  for (const auto& mapping : maps) {
    if (mapping.path == "/usr/lib/x86_64-linux-gnu/libc.so.6") libc = true;
    CHECK(mapping.path.front() == '/');
  }
  CHECK(libc);
}

TEST_CASE("deleted executables, paths with spaces and parentheses") {
  const auto maps = parseProcMaps(fixture("4244/maps"));
  REQUIRE_FALSE(maps.empty());
  CHECK(maps[0].path == "/tmp/a) R 1 (b");
  CHECK(maps[0].deleted);
  // Its executable range: the entry of /proc/PID/map_files that still opens the deleted file.
  CHECK(maps[0].addresses == "563ef7f73000-563ef7f78000");
  CHECK(parseProcMaps(fixture("2/maps")).empty());
  // A range that is not two lower-case hex numbers names no file below map_files.
  const auto odd = parseProcMaps(
      "../../etc-563ef7f78000 r-xp 00000000 fe:00 12 /tmp/x (deleted)\n"
      "563EF7F73000-563EF7F78000 r-xp 00000000 fe:00 13 /tmp/y (deleted)\n"
      "7f00-7f10 r-xp 00000000 fe:00 14 /memfd:engine (deleted)\n");
  REQUIRE(odd.size() == 3);
  CHECK(odd[0].addresses.empty());
  CHECK(odd[1].addresses.empty());
  CHECK(odd[2].addresses == "7f00-7f10");
  CHECK(odd[2].path == "/memfd:engine");
}

TEST_CASE("maps lines that do not parse are skipped; a truncated last line too") {
  const std::string text =
      "garbage\n"
      "0-1 r-xp 0 00:00 0 /anon\n"       // inode 0
      "0-1 rw-p 0 fe:00 5 /data\n"       // not executable
      "0-1 r-xp 0 fe:00 6 [vdso]\n"      // not a file
      "0-1 r-xp 0 fe:00 x /bad-inode\n"  // inode not a number
      "0-1 r-xp 0 fe:00 7 /lib/ok.so\n"
      "0-1 r-xp 0 fe:00 7 /lib/ok.so\n"  // once
      "0-1 r-xp 0 fe:00 8 /lib/trunc";
  const auto maps = parseProcMaps(text);
  REQUIRE(maps.size() == 1);
  CHECK(maps[0].path == "/lib/ok.so");
}

TEST_CASE("cgroup v2 path") {
  auto path = parseProcCgroupV2("12:pids:/x\n0::/user.slice/a b.scope\n");
  REQUIRE(path.ok());
  CHECK(path.value() == "/user.slice/a b.scope");
  CHECK_FALSE(parseProcCgroupV2("3:cpu:/x\n").ok());
  CHECK_FALSE(parseProcCgroupV2("0::").ok());
}

TEST_CASE("proc connector datagrams: junk and truncation give no events") {
  CHECK(parseProcConnectorDatagram("").empty());
  CHECK(parseProcConnectorDatagram(std::string(15, '\xff')).empty());
  CHECK(parseProcConnectorDatagram(std::string(200, '\0')).empty());
}

TEST_CASE("proc connector datagrams: a last message whose alignment padding passes the end") {
  // Found by fuzz_proc: nlmsg_len 47 fits the 47 bytes, NLMSG_ALIGN(47) = 48 does not. Reading on from
  // offset 48 used to underflow the remaining length and read past the buffer.
  std::string bytes(47, '\x0b');
  const std::uint32_t length = 47;
  std::memcpy(bytes.data(), &length, sizeof length);
  CHECK(parseProcConnectorDatagram(bytes).empty());
}
