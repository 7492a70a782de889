// Compiled YARA rules kept in the state directory: compiled once and loaded after, recompiled when
// the source changed, and never loaded when the file is damaged, truncated, forged or writable by
// others (libyara trusts what it loads); the file is then replaced.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <sys/stat.h>

#include "scan/CompiledRulesCache.h"
#include "scan/YaraScanner.h"
#include "tests/scan/ScanTestSupport.h"

using namespace mamori::scan;
using Origin = CompiledRulesCache::Origin;

namespace {

constexpr char kMarking[] = R"(rule marking { strings: $a = "社外秘" condition: $a })";
constexpr char kOther[] = R"(rule other { strings: $a = "極秘" condition: $a })";

// The names of the rules that match text.
std::string matching(const CompiledRulesCache::Rules& rules, const std::string& text) {
  REQUIRE(rules.outcome.rules);
  auto scanner = YaraScanner::create(rules.outcome.rules);
  REQUIRE(scanner.ok());
  auto matches = scanner.value()->scan(text, 5);
  REQUIRE(matches.ok());
  std::string names;
  for (const auto& m : matches.value()) names += m.rule + ";";
  return names;
}

mode_t modeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("rules are compiled once, then loaded; a changed source is compiled again") {
  test::TempDir dir;
  const CompiledRulesCache cache(dir.path());
  const auto first = cache.compile("rules.yar", kMarking);
  CHECK(first.origin == Origin::kCompiled);
  CHECK(matching(first, "議事録 社外秘") == "marking;");
  const std::string path = cache.pathFor("rules.yar");
  CHECK(modeOf(path) == 0600);

  const auto second = cache.compile("rules.yar", kMarking);
  CHECK(second.origin == Origin::kLoaded);
  CHECK(matching(second, "議事録 社外秘") == "marking;");
  CHECK(matching(second, "議事録") == "");

  // Another source under the same name: the kept rules are stale, never used.
  const auto changed = cache.compile("rules.yar", kOther);
  CHECK(changed.origin == Origin::kCompiled);
  CHECK(matching(changed, "議事録 社外秘") == "");
  CHECK(matching(changed, "極秘") == "other;");
  CHECK(cache.compile("rules.yar", kOther).origin == Origin::kLoaded);
  // Each name has its own file.
  CHECK(cache.pathFor("other.yar") != path);
  CHECK(cache.compile("other.yar", kMarking).origin == Origin::kCompiled);
  CHECK(cache.compile("rules.yar", kOther).origin == Origin::kLoaded);
}

TEST_CASE("a damaged, truncated, forged or foreign-writable rules file is never loaded, and is rebuilt") {
  test::TempDir dir;
  const CompiledRulesCache cache(dir.path());
  const std::string path = cache.pathFor("rules.yar");
  REQUIRE(cache.compile("rules.yar", kMarking).origin == Origin::kCompiled);
  const std::string good = test::readFile(path);
  REQUIRE(good.size() > 200);

  auto afterWriting = [&](const std::string& bytes) {
    std::filesystem::remove(path);
    test::writeFile(path, bytes);
    ::chmod(path.c_str(), 0600);
    const auto rules = cache.compile("rules.yar", kMarking);
    CHECK(matching(rules, "社外秘") == "marking;");
    CHECK(test::readFile(path) == good);  // replaced by a whole copy
    return rules.origin;
  };
  std::string flipped = good;
  flipped[flipped.size() - 40] ^= 0x20;  // one bit inside the compiled bytes
  CHECK(afterWriting(flipped) == Origin::kCompiled);
  CHECK(afterWriting(good.substr(0, good.size() / 2)) == Origin::kCompiled);
  CHECK(afterWriting(good.substr(0, 10)) == Origin::kCompiled);
  CHECK(afterWriting("") == Origin::kCompiled);
  // Garbage with a well-formed header (hashes that match it) reaches libyara, which refuses it on
  // the rules' first use (they are handed to libyara only then, decision 0054): compiled from the
  // source and the file rewritten at that point.
  CHECK(afterWriting(CompiledRulesCache::encode(kMarking, "not libyara's saved form")) == Origin::kLoaded);
  CHECK(afterWriting(good) == Origin::kLoaded);

  // Whole, but others may write it: it could have been swapped, so it is not trusted.
  ::chmod(path.c_str(), 0666);
  CHECK(cache.compile("rules.yar", kMarking).origin == Origin::kCompiled);
  CHECK(modeOf(path) == 0600);
  CHECK(cache.compile("rules.yar", kMarking).origin == Origin::kLoaded);

  // A symbolic link in its place is not followed.
  std::filesystem::remove(path);
  test::writeFile(dir.file("elsewhere"), good);
  std::filesystem::create_symlink(dir.file("elsewhere"), path);
  CHECK(cache.compile("rules.yar", kMarking).origin == Origin::kCompiled);
  CHECK(!std::filesystem::is_symlink(path));
}

TEST_CASE("decode accepts only a whole file for the same source") {
  const std::string file = CompiledRulesCache::encode(kMarking, "compiled bytes");
  CHECK(CompiledRulesCache::decode(file, kMarking) == std::optional<std::string>("compiled bytes"));
  CHECK_FALSE(CompiledRulesCache::decode(file, kOther).has_value());
  CHECK_FALSE(CompiledRulesCache::decode(file + "x", kMarking).has_value());
  CHECK_FALSE(CompiledRulesCache::decode(file.substr(0, file.size() - 1), kMarking).has_value());
  CHECK_FALSE(CompiledRulesCache::decode("", kMarking).has_value());
}

TEST_CASE("a directory that cannot be written costs only the compilation") {
  const CompiledRulesCache cache("/nonexistent/mamori-state");
  const auto rules = cache.compile("rules.yar", kMarking);
  CHECK(rules.origin == Origin::kCompiled);
  CHECK(matching(rules, "社外秘") == "marking;");
  CHECK(rules.outcome.errors.empty());
  // Rules that do not compile are reported as ever, and nothing is kept.
  CHECK(cache.compile("bad.yar", "rule {").outcome.errors.size() == 1);
}

TEST_CASE("rules from the cache reach libyara only when a scan needs them; a load that fails is the scan's error") {
  test::TempDir dir;
  const CompiledRulesCache cache(dir.path());
  REQUIRE(cache.compile("rules.yar", kMarking).origin == Origin::kCompiled);
  const auto cached = cache.compile("rules.yar", kMarking);
  REQUIRE(cached.origin == Origin::kLoaded);
  CHECK_FALSE(cached.outcome.rules->loaded());
  auto scanner = YaraScanner::create(cached.outcome.rules);
  REQUIRE(scanner.ok());
  CHECK_FALSE(cached.outcome.rules->loaded());  // a scanner made is not a scan
  CHECK(matching(cached, "社外秘") == "marking;");
  CHECK(cached.outcome.rules->loaded());
  CHECK(cached.outcome.rules->prefilter() != nullptr);
  auto again = scanner.value()->scan("極秘 社外秘", 5);
  REQUIRE(again.ok());
  CHECK(again.value().size() == 1);

  // A loader that fails: the scanner is made, every scan says why, as kUnavailable (not cached).
  const auto broken = std::make_shared<const mamori::policy::YaraRules>(
      []() -> mamori::common::Result<std::shared_ptr<const mamori::policy::YaraRules>> {
        return mamori::common::makeError("the disk went away");
      });
  auto failing = YaraScanner::create(broken);
  REQUIRE(failing.ok());
  auto result = failing.value()->scan("社外秘", 5);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().kind == mamori::common::ErrorKind::kUnavailable);
  CHECK(result.error().message.find("the disk went away") != std::string::npos);
  CHECK(broken->loaded());
  CHECK(broken->get() == nullptr);
}
