#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/stat.h>

#include "common/Files.h"
#include "common/JsonPointer.h"

using namespace mamori::common;

namespace {
std::string makeTempDir() {
  std::string pattern = "/tmp/mamori-files-test.XXXXXX";
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  return pattern;
}
}  // namespace

TEST_CASE("atomic writes replace the content with exactly the asked mode, whatever the umask") {
  const std::string dir = makeTempDir();
  const std::string path = dir + "/secret";
  const mode_t old = ::umask(0);
  REQUIRE(writeFileAtomically(path, "first", 0600).ok());
  ::umask(old);
  REQUIRE(writeFileAtomically(path, "second\n", 0600).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777U) == 0600U);
  CHECK(readSmallFile(path).value() == "second\n");
  CHECK_FALSE(fileExists(path + ".tmp"));
  CHECK(std::filesystem::remove_all(dir) > 0);
}

TEST_CASE("bounded reads refuse larger files and say where") {
  const std::string dir = makeTempDir();
  REQUIRE(writeFileAtomically(dir + "/big", std::string(5000, 'x'), 0644).ok());
  auto tooBig = readSmallFile(dir + "/big", 4096);
  REQUIRE_FALSE(tooBig.ok());
  CHECK(tooBig.error().where == dir + "/big");
  auto missing = readSmallFile(dir + "/none");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().sysErrno != 0);
  CHECK(std::filesystem::remove_all(dir) > 0);
}

TEST_CASE("bounded reads say what kind of failure: too large, not found") {
  const std::string dir = makeTempDir();
  REQUIRE(writeFileAtomically(dir + "/big", std::string(5000, 'x'), 0644).ok());
  auto tooBig = readSmallFile(dir + "/big", 4096);
  REQUIRE_FALSE(tooBig.ok());
  CHECK(tooBig.error().kind == ErrorKind::kTooLarge);
  auto missing = readSmallFile(dir + "/none");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::kNotFound);
  CHECK(std::filesystem::remove_all(dir) > 0);
}

TEST_CASE("directories are made with their parents, and a file in the way is an error") {
  const std::string dir = makeTempDir();
  REQUIRE(makeDirectories(dir + "/a/b/c").ok());
  struct stat st {};
  REQUIRE(::stat((dir + "/a/b/c").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(makeDirectories(dir + "/a/b/c").ok());  // existing: fine
  REQUIRE(writeFileAtomically(dir + "/file", "x", 0600).ok());
  CHECK_FALSE(makeDirectories(dir + "/file").ok());
  CHECK_FALSE(makeDirectories("").ok());
  CHECK(std::filesystem::remove_all(dir) > 0);
}

TEST_CASE("JSON pointer tokens escape ~ and /") {
  CHECK(jsonPointerAppend("", "events") == "/events");
  CHECK(jsonPointerAppend("/details", "a/b~c") == "/details/a~1b~0c");
}

TEST_CASE("outside text as part of a file name: never a separator, '..' or a control character") {
  using mamori::common::fileNamePart;
  CHECK(fileNamePart("DESKTOP-4F2_A", 64) == "DESKTOP-4F2_A");  // plain names stay as they are
  CHECK(fileNamePart("", 64).empty());
  // A host name may be any bytes but NUL (sethostname checks nothing).
  for (const std::string& hostile :
       {std::string("../../etc/cron.d/x"), std::string("a/b"), std::string(".."), std::string("pc\n\x1b[2J"),
        std::string("経理"), std::string("-rf"), std::string("\xff\xfe"), std::string(300, '/')}) {
    const std::string part = fileNamePart(hostile, 48);
    CHECK(part.find('/') == std::string::npos);
    CHECK(part.find("..") == std::string::npos);
    CHECK(part.size() <= 48 + 9);
    for (const char c : part) CHECK(mamori::common::isFileNamePartChar(c));
  }
  // Names that differ only where they were replaced keep files of their own.
  CHECK(fileNamePart("a b", 48) != fileNamePart("a/b", 48));
  CHECK(fileNamePart("a/b", 48).rfind("a_b-", 0) == 0);
}
