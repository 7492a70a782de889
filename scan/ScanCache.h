#pragma once
// The incremental scan cache: what each file held when last scanned, valid while the file's device,
// inode, size, mtime and ctime and the scan configuration's fingerprint are unchanged. A compact
// binary file in the state directory, read at start and replaced atomically at the end (a crash
// loses one run's additions, never the file). Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>

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
  std::string path_;
  std::string fingerprint_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::pair<FileIdentity, FileResult>> entries_;
  std::unordered_map<std::string, bool> seen_;  // paths looked up or stored in this run
  bool dirty_ = false;                          // something to write
};

}  // namespace mamori::scan
