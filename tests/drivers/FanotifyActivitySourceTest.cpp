// The real fanotify source on this machine's kernel (needs root, as CI runs; skipped otherwise with a
// message, because unit tests also run on developers' machines).
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "drivers/linux/FanotifyActivitySource.h"
#include "tests/support/TempDir.h"

using namespace mamori::drivers;

namespace {

std::optional<FileActivity> waitFor(FileActivitySource& source, const std::string& path, FileOp op,
                                    std::chrono::seconds wait = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = source.next(200);
    if (event && event->path == path && event->op == op) return event;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("fanotify: a write and a read under the root are seen, with pid, size and a readable fd") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: fanotify needs root");
    return;
  }
  mamori::testsupport::TempDir dir("mamori-fanotify");
  mamori::drivers::linux_os::FanotifyActivitySource source;
  REQUIRE(source.watch({dir.path()}));
  CHECK_FALSE(source.mounts().empty());

  // The writer and reader must not be this process (its own events are dropped by design): a child.
  const std::string file = dir.file("plan.txt");
  const std::string command =
      "printf hello > '" + file + "' && echo x > /tmp/mamori-outside-$$ && rm -f /tmp/mamori-outside-$$";
  REQUIRE(std::system(command.c_str()) == 0);  // NOLINT(concurrency-mt-unsafe,cert-env33-c)
  // The reader stays alive until its event has been seen (it waits for its stdin to close), so its
  // name can still be read from /proc: a `cat` may be gone by then.
  FILE* reader = ::popen(("exec sh -c 'read line < \"" + file + "\"; read rest'").c_str(), "w");
  REQUIRE(reader != nullptr);

  auto written = waitFor(source, file, FileOp::kWritten);
  REQUIRE(written);
  CHECK(written->size == 5);
  CHECK(written->pid != ::getpid());
  REQUIRE(written->fd.valid());
  char bytes[8] = {};
  CHECK(::pread(written->fd.get(), bytes, sizeof bytes, 0) == 5);
  CHECK(std::string(bytes) == "hello");
  auto read = waitFor(source, file, FileOp::kRead);
  ::pclose(reader);  // ends the reader (its second read sees end of file)
  REQUIRE(read);
  CHECK(read->processName == "sh");
  CHECK_FALSE(read->fd.valid());

  // This process's own reads are not reported.
  { std::ifstream own(file); }
  CHECK_FALSE(waitFor(source, file, FileOp::kRead));
  CHECK(source.counters().ignored > 0);
  source.stop();
}

TEST_CASE("fanotify: a file moved in by a rename is delivered like a written one, with where it came from") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: fanotify needs root");
    return;
  }
  mamori::testsupport::TempDir outside("mamori-fanotify-from");
  mamori::testsupport::TempDir dir("mamori-fanotify-to");
  mamori::drivers::linux_os::FanotifyActivitySource source;
  REQUIRE(source.watch({dir.path()}));
  const std::string before = outside.file("plan.txt");
  const std::string after = dir.file("plan.txt");
  { std::ofstream(before) << "moved content"; }
  // A child renames it (this process's own events are dropped); same file system, so mv renames.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): a child must do it (see above); no thread changes the environment
  REQUIRE(std::system(("mv '" + before + "' '" + after + "'").c_str()) == 0);  // NOLINT(cert-env33-c)
  auto moved = waitFor(source, after, FileOp::kWritten);
  REQUIRE(moved);
  CHECK(moved->moved);
  CHECK(moved->movedFrom == before);
  CHECK(moved->size == 13);
  CHECK(moved->pid > 0);  // its name may be gone already: mv exits at once
  REQUIRE(moved->fd.valid());
  char bytes[16] = {};
  CHECK(::pread(moved->fd.get(), bytes, sizeof bytes, 0) == 13);
  CHECK(std::string(bytes) == "moved content");
  // Out of the roots again: not reported (the destination is outside).
  // NOLINTNEXTLINE(concurrency-mt-unsafe): a child must do it (see above); no thread changes the environment
  REQUIRE(std::system(("mv '" + after + "' '" + before + "'").c_str()) == 0);  // NOLINT(cert-env33-c)
  CHECK_FALSE(waitFor(source, before, FileOp::kWritten));
  source.stop();
}

TEST_CASE("fanotify: a folder moved in by a rename is watched from then on; files outside are not reported") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: fanotify needs root");
    return;
  }
  mamori::testsupport::TempDir outside("mamori-fanotify-out");
  mamori::testsupport::TempDir dir("mamori-fanotify-in");
  mamori::drivers::linux_os::FanotifyActivitySource source;
  REQUIRE(source.watch({dir.path()}));
  // A folder outside the root is written in first (its verdict, "outside", is remembered), then
  // moved in whole: the next write in it is under the root and must be seen, and the reverse.
  const std::string folder = outside.file("project");
  const std::string moved = dir.file("project");
  REQUIRE(std::system(("mkdir '" + folder + "' && printf a > '" + folder + "/a.txt'").c_str()) == 0);  // NOLINT
  // Events come within tens of ms (the reader reads every 50 ms at most): 3 s of silence means none.
  CHECK_FALSE(waitFor(source, folder + "/a.txt", FileOp::kWritten, std::chrono::seconds(3)));
  // NOLINTNEXTLINE(concurrency-mt-unsafe): a child must do it (see above); no thread changes the environment
  REQUIRE(std::system(("mv '" + folder + "' '" + moved + "' && printf bb > '" + moved + "/b.txt'").c_str()) ==
          0);  // NOLINT
  auto written = waitFor(source, moved + "/b.txt", FileOp::kWritten);
  REQUIRE(written);
  CHECK(written->size == 2);
  REQUIRE(written->fd.valid());
  // NOLINTNEXTLINE(concurrency-mt-unsafe): a child must do it (see above); no thread changes the environment
  REQUIRE(std::system(("mv '" + moved + "' '" + folder + "' && printf ccc > '" + folder + "/c.txt'").c_str()) ==
          0);  // NOLINT
  CHECK_FALSE(waitFor(source, folder + "/c.txt", FileOp::kWritten, std::chrono::seconds(3)));
  const auto counters = source.counters();
  CHECK(counters.ignored > 0);
  CHECK(counters.received >= counters.delivered + counters.ignored);
  source.stop();
}
