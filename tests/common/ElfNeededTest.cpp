// ELF DT_NEEDED (a pure parser of untrusted bytes) and where the needed libraries are resolved.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/ElfNeeded.h"
#include "tests/support/MiniElf.h"
#include "tests/support/TempDir.h"

using mamori::common::elfNeededLibraries;
using mamori::common::resolveNeededLibraries;

TEST_CASE("ELF DT_NEEDED: the test binary itself needs libc; hostile bytes are errors") {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string self = buf.str();
  auto needed = elfNeededLibraries(self);
  REQUIRE(needed.ok());
  CHECK(std::find(needed.value().begin(), needed.value().end(), "libc.so.6") != needed.value().end());
  CHECK_FALSE(elfNeededLibraries("").ok());
  CHECK_FALSE(elfNeededLibraries("MZ\x90\x00").ok());
  // Every truncation of the real header and tables is handled (error or a shorter list, no crash).
  for (std::size_t len : {16UL, 63UL, 64UL, 100UL, 1000UL, 4096UL}) (void)elfNeededLibraries(self.substr(0, len));
  std::string broken = self;
  for (std::size_t i = 32; i < 40; ++i) broken[i] = '\xff';  // e_phoff far outside the file
  CHECK_FALSE(elfNeededLibraries(broken).ok());
}

TEST_CASE("ELF DT_NEEDED: a built file's names in order") {
  auto needed = elfNeededLibraries(mamori::testsupport::miniElf({"libaria2.so.0", "libc.so.6"}, "payload"));
  REQUIRE(needed.ok());
  CHECK(needed.value() == std::vector<std::string>{"libaria2.so.0", "libc.so.6"});
  auto none = elfNeededLibraries(mamori::testsupport::miniElf({}));
  REQUIRE(none.ok());
  CHECK(none.value().empty());
}

TEST_CASE("needed libraries: the executable's folder first, then the system folders under root; runtimes left out") {
  mamori::testsupport::TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("bin"));
  fs::create_directories(dir.file("root/usr/lib/x86_64-linux-gnu"));
  fs::create_directories(dir.file("root/lib"));
  { std::ofstream(dir.file("root/usr/lib/x86_64-linux-gnu/libtorrent.so.21.0.0")) << "lib"; }
  fs::create_symlink("libtorrent.so.21.0.0", dir.file("root/usr/lib/x86_64-linux-gnu/libtorrent.so.21"));
  { std::ofstream(dir.file("root/lib/libc.so.6")) << "libc"; }
  { std::ofstream(dir.file("root/lib/libbeside.so")) << "system copy"; }
  { std::ofstream(dir.file("bin/libbeside.so")) << "carried beside"; }
  const auto root = fs::canonical(dir.path()).string();
  auto found = resolveNeededLibraries(root + "/bin/svchost",
                                      {"libtorrent.so.21", "libc.so.6", "libbeside.so", "libmissing.so.1", "../x.so"},
                                      root + "/root");
  CHECK(found == std::vector<std::string>{root + "/root/usr/lib/x86_64-linux-gnu/libtorrent.so.21.0.0",
                                          root + "/bin/libbeside.so"});
}
