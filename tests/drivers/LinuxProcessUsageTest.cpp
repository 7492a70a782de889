// CPU time per thread and resident memory, read from a fake /proc tree and from the real one.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "drivers/linux/LinuxProcessUsage.h"
#include "drivers/linux/ProcParsers.h"
#include "tests/support/TempDir.h"

using mamori::drivers::linux_os::LinuxProcessUsage;

namespace {
void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}
std::string statLine(int tid, const std::string& comm, int utime, int stime) {
  return std::to_string(tid) + " (" + comm + ") S 1 1 1 0 -1 4194304 0 0 0 0 " + std::to_string(utime) + " " +
         std::to_string(stime) + " 0 0 20 0 3 0 100 0 0\n";
}
}  // namespace

TEST_CASE("threads, their names and CPU ticks, and VmRSS come from <proc>/self") {
  mamori::testsupport::TempDir proc;
  write(proc.file("self/task/100/stat"), statLine(100, "mamori-agent", 50, 10));
  write(proc.file("self/task/101/stat"), statLine(101, "mamori-scan", 700, 300));
  // A comm with a space and a parenthesis is still one name.
  write(proc.file("self/task/102/stat"), statLine(102, "odd) name", 1, 2));
  write(proc.file("self/status"), "Name:\tmamori-agent\nVmPeak:\t  900000 kB\nVmRSS:\t   81234 kB\n");
  LinuxProcessUsage source(proc.path());
  auto usage = source.sample();
  REQUIRE(usage.ok());
  CHECK(usage.value().residentKib == 81234);
  REQUIRE(usage.value().threads.size() == 3);
  std::uint64_t scanTicks = 0;
  bool oddFound = false;
  for (const auto& thread : usage.value().threads) {
    if (thread.name == "mamori-scan") scanTicks = thread.cpuTicks;
    if (thread.name == "odd) name") oddFound = thread.tid == 102 && thread.cpuTicks == 3;
  }
  CHECK(scanTicks == 1000);
  CHECK(oddFound);
}

TEST_CASE("a damaged stat file or a missing VmRSS is an error naming the file") {
  mamori::testsupport::TempDir proc;
  write(proc.file("self/task/100/stat"), "100 (x) S 1\n");
  write(proc.file("self/status"), "VmRSS:\t 1 kB\n");
  auto broken = LinuxProcessUsage(proc.path()).sample();
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().describe().find("task/100/stat") != std::string::npos);

  write(proc.file("self/task/100/stat"), statLine(100, "x", 1, 1));
  write(proc.file("self/status"), "Name:\tx\n");
  auto noRss = LinuxProcessUsage(proc.path()).sample();
  REQUIRE_FALSE(noRss.ok());
  CHECK(noRss.error().describe().find("status") != std::string::npos);
}

TEST_CASE("the real /proc/self has at least this thread and some resident memory") {
  auto usage = LinuxProcessUsage().sample();
  REQUIRE(usage.ok());
  CHECK_FALSE(usage.value().threads.empty());
  CHECK(usage.value().residentKib > 0);
  CHECK(usage.value().ticksPerSecond > 0);
}

TEST_CASE("parseProcStat reads utime and stime; parseProcStatusResidentKib reads VmRSS") {
  auto stat = mamori::drivers::linux_os::parseProcStat(statLine(7, "a b", 12, 34));
  REQUIRE(stat.ok());
  CHECK(stat.value().userTicks == 12);
  CHECK(stat.value().systemTicks == 34);
  auto rss = mamori::drivers::linux_os::parseProcStatusResidentKib("VmRSS:\t 77 kB\n");
  REQUIRE(rss.ok());
  CHECK(rss.value() == 77);
  CHECK_FALSE(mamori::drivers::linux_os::parseProcStatusResidentKib("VmRSS:\tlots kB\n").ok());
}

TEST_CASE("memory freed after a burst of work goes back once, and an idle process is not trimmed again") {
  LinuxProcessUsage usage;
  (void)usage.releaseFreedMemory();  // whatever earlier cases left
  // Small blocks come from the heap (big ones would be mmapped and returned on free anyway); the last
  // one stays, so the freed ones lie below it and glibc cannot simply shrink the heap's top.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 4096; ++i) {
    blocks.emplace_back(new char[2048]);
    blocks.back()[0] = static_cast<char>(i);
  }
  std::unique_ptr<char[]> last(new char[64]);
  blocks.clear();
  CHECK(usage.releaseFreedMemory() >= (1U << 20));
  CHECK(usage.releaseFreedMemory() == 0);  // nothing happened since
}
