#pragma once
// The incremental scan cache: what each file held when last scanned, valid while the file's device,
// inode, size, mtime and ctime and the scan configuration's fingerprint are unchanged. A compact
// binary file in the state directory, read at start and replaced atomically at the end (a crash
// loses one run's additions, never the file). Thread-safe.
//
// The file is read into one buffer and indexed where it lies (docs/decisions/0061): a lookup finds the
// path in an open-addressed table of views into that buffer, compares the identity and builds a
// FileResult only when it matches, without a lock (the loaded entries do not change during a run;
// what a run stores goes to a map under the mutex). Writing the cache again copies each loaded
// entry's bytes as they were read. A re-scan of an unchanged tree so costs one read of the file, one
// pass over it and a probe per file.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

#include "common/Result.h"
#include "scan/ScanTypes.h"

namespace mamori::scan {

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtimeNs = 0;
  std::int64_t ctimeNs = 0;  // changes on every write and rename, and cannot be set by a user
  bool operator==(const FileIdentity&) const = default;
};

class ScanCache {
 public:
  // path: the cache file; fingerprint: ScanConfig::fingerprint(). A missing, corrupt or foreign
  // cache starts empty.
  ScanCache(std::string path, std::string fingerprint);

  // Once, before the first lookup.
  common::Status load();
  // Writes temp + rename when anything changed; drops entries of files not seen in this run that no
  // longer exist. An unchanged tree costs no write at all.
  common::Status save();

  std::optional<FileResult> lookup(const std::string& path, const FileIdentity& identity);
  void store(const FileIdentity& identity, const FileResult& result);

  std::size_t size() const;

  // Exposed for tests and fuzzing: the on-disk form.
  static std::string encode(const std::string& fingerprint,
                            const std::unordered_map<std::string, std::pair<FileIdentity, FileResult>>& entries);
  static bool decode(std::string_view data, const std::string& fingerprint,
                     std::unordered_map<std::string, std::pair<FileIdentity, FileResult>>& entries);

 private:
  // An entry of the file as read: where its bytes lie in data_ (16 bytes, so the index of a large tree
  // stays small: a page fault costs more than the lookups on this VM). The identity is read from the
  // entry's bytes, beside its path.
  struct Loaded {
    std::uint32_t at = 0;        // the entry's first byte (its path's length)
    std::uint32_t size = 0;      // its bytes, path included: written again as they are
    std::uint32_t pathSize = 0;  // the path follows its 8-byte length
    bool dropped = false;        // a later entry of the same path, or its file is gone (save)
  };
  static constexpr std::uint8_t kSeen = 1;      // looked up or stored in this run
  static constexpr std::uint8_t kReplaced = 2;  // stored again in this run: added_ holds it

  std::size_t find(std::string_view path) const;  // index into loaded_, or loaded_.size()
  std::string_view pathOf(const Loaded& entry) const { return {data_.data() + entry.at + 8, entry.pathSize}; }
  std::string_view recordOf(const Loaded& entry) const { return {data_.data() + entry.at, entry.size}; }
  void index();

  std::string path_;
  std::string fingerprint_;
  std::string data_;  // the cache file as read
  std::vector<Loaded> loaded_;
  std::vector<std::uint32_t> slots_;                    // open addressing: 1 + index into loaded_, 0 when free
  std::unique_ptr<std::atomic<std::uint8_t>[]> state_;  // per loaded entry: kSeen, kReplaced
  // The order of this run's lookups (the walk's) per loaded entry (0: not looked up), and of its
  // stores: the file is written in that order, so the next run's lookups read it front to back
  // instead of at random.
  std::unique_ptr<std::atomic<std::uint32_t>[]> order_;
  std::atomic<std::uint32_t> nextOrder_{1};
  struct Added {
    FileIdentity identity;
    FileResult result;
    std::uint32_t order = 0;
  };
  mutable std::mutex mutex_;                      // guards added_ and dirty_
  std::unordered_map<std::string, Added> added_;  // stored in this run
  bool dirty_ = false;                            // something to write
};

}  // namespace mamori::scan
