// The activity monitor's verdicts for directories, by handle: pure, tested with strings.
#include <doctest/doctest.h>

#include "drivers/linux/DirectoryScopeCache.h"

using mamori::drivers::linux_os::DirectoryScopeCache;

TEST_CASE("directory scope: under a root, above one, or outside") {
  const std::vector<std::string> roots = {"/home/alice", "/media/usb/", "/var/spool/cups"};
  CHECK(DirectoryScopeCache::classify("/home/alice", roots) == DirectoryScopeCache::Scope::kInside);
  CHECK(DirectoryScopeCache::classify("/home/alice/Documents/2026", roots) == DirectoryScopeCache::Scope::kInside);
  CHECK(DirectoryScopeCache::classify("/media/usb", roots) == DirectoryScopeCache::Scope::kInside);
  CHECK(DirectoryScopeCache::classify("/home", roots) == DirectoryScopeCache::Scope::kAbove);
  CHECK(DirectoryScopeCache::classify("/", roots) == DirectoryScopeCache::Scope::kAbove);
  CHECK(DirectoryScopeCache::classify("/home/alicea", roots) == DirectoryScopeCache::Scope::kOutside);
  CHECK(DirectoryScopeCache::classify("/usr/include", roots) == DirectoryScopeCache::Scope::kOutside);
  // What the kernel gives for a directory it cannot connect to the mount ("", "/x (deleted)" is still
  // absolute and judged by its text; a relative answer never is).
  CHECK(DirectoryScopeCache::classify("", roots) == DirectoryScopeCache::Scope::kOutside);
  CHECK(DirectoryScopeCache::classify("home/alice", roots) == DirectoryScopeCache::Scope::kOutside);
}

TEST_CASE("directory scope: a file in a directory above a root is watched only when it is a root") {
  const std::vector<std::string> roots = {"/home/alice", "/srv/export.csv"};
  DirectoryScopeCache cache;
  const auto& srv = cache.add("fsid+srv", "/srv", roots);
  CHECK(DirectoryScopeCache::watches(srv, "export.csv", roots));
  CHECK_FALSE(DirectoryScopeCache::watches(srv, "other.csv", roots));
  const auto& root = cache.add("fsid+root", "/", roots);
  CHECK_FALSE(DirectoryScopeCache::watches(root, "vmlinuz", roots));
  const auto& inside = cache.add("fsid+docs", "/home/alice/docs", roots);
  CHECK(DirectoryScopeCache::watches(inside, "plan.txt", roots));
  CHECK(DirectoryScopeCache::join("/", "etc") == "/etc");
  CHECK(DirectoryScopeCache::join("/home/alice", "plan.txt") == "/home/alice/plan.txt");
}

TEST_CASE("directory scope: remembered by key, bounded, cleared") {
  const std::vector<std::string> roots = {"/home/alice"};
  DirectoryScopeCache cache(2);
  CHECK(cache.find("a") == nullptr);
  cache.add("a", "/usr", roots);
  cache.add("b", "/home/alice/x", roots);
  REQUIRE(cache.find("a") != nullptr);
  CHECK(cache.find("a")->scope == DirectoryScopeCache::Scope::kOutside);
  CHECK(cache.find("b")->path == "/home/alice/x");
  cache.add("c", "/tmp", roots);  // full: starts over with the new entry
  CHECK(cache.size() == 1);
  CHECK(cache.find("a") == nullptr);
  CHECK(cache.find("c") != nullptr);
  cache.add("c", "/home/alice/moved-in", roots);  // a directory judged again replaces its entry
  CHECK(cache.find("c")->scope == DirectoryScopeCache::Scope::kInside);
  cache.clear();
  CHECK(cache.size() == 0);
}
