#pragma once
// What the activity monitor knows about directories it has seen in FID mode, by file handle: whether
// files in them lie under the roots, and the directory's path when they might. A file closed anywhere
// on a marked file system is one event; with this cache, an event from a directory seen before is
// judged without a system call (no descriptor, no readlink), which is what keeps the monitor idle
// while other programs work elsewhere on the disk. Pure: keys and paths in, verdicts out.
//
// Entries go stale when a directory is renamed or a file system is mounted over one: the owner clears
// the cache then (directory renames are reported by the same fanotify group, in order with the
// closes). Bounded: a full cache starts over.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mamori::drivers::linux_os {

class DirectoryScopeCache {
 public:
  enum class Scope {
    kOutside,  // neither under a root nor above one: its files are not watched
    kInside,   // under a root: every file in it is watched
    kAbove,    // above a root (e.g. /home for /home/alice): a file in it is watched only if it is a root
  };
  struct Entry {
    Scope scope = Scope::kOutside;
    std::string path;  // the directory's path when it was added
  };

  explicit DirectoryScopeCache(std::size_t limit = 16384) : limit_(limit) {}

  // The entry for a directory's key (file system id and file handle bytes), or null when unknown.
  const Entry* find(const std::string& key) const;
  // Judges `path` against `roots` and remembers the verdict under `key`.
  const Entry& add(const std::string& key, std::string path, const std::vector<std::string>& roots);
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }

  static Scope classify(std::string_view directory, const std::vector<std::string>& roots);
  // Whether a file named `name` in a directory of this entry is watched.
  static bool watches(const Entry& entry, std::string_view name, const std::vector<std::string>& roots);
  static std::string join(std::string_view directory, std::string_view name);

 private:
  std::size_t limit_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mamori::drivers::linux_os
