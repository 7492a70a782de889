#pragma once
// File activity as the activity monitor sees it: a process closed a file it wrote, moved a file in by
// renaming it, or closed a file it only read, somewhere under the roots the monitor asked for. Notification only:
// nothing here can stop an operation (the P2P guard's exec permission check is a separate fanotify group).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "common/Glob.h"
#include "common/Result.h"
#include "common/UniqueFd.h"

namespace mamori::drivers {

enum class FileOp { kWritten, kRead };

struct FileActivity {
  FileOp op = FileOp::kRead;
  pid_t pid = 0;
  uid_t uid = 0;            // the process's real uid at the time of the event (0 when it had exited)
  std::string processName;  // comm, "" when the process had exited
  std::string path;         // the file's path: where it was closed (FID mode), else when the event was read
  // A file that arrived by a rename (mv on one file system), reported as kWritten: where it was
  // before, "" when that directory could not be found any more. Empty for writes and reads.
  bool moved = false;
  std::string movedFrom;
  std::int64_t size = 0;    // its size then
  std::int64_t timeMs = 0;  // wall clock when the event was read (UTC ms)
  // Written and moved files only: a read-only descriptor of the very file that was written (by the kernel,
  // or by its file handle; the monitor's own events are dropped). Reading through it sees the content
  // even when the file was renamed or deleted since (a print spool, a temporary file).
  common::UniqueFd fd;
};

// One mounted filesystem (a line of /proc/self/mountinfo) and what the monitor needs to know about it.
struct MountEntry {
  int id = 0;
  int parentId = 0;
  unsigned major = 0;
  unsigned minor = 0;
  std::string root;        // the mounted subtree of the filesystem
  std::string mountPoint;  // where it is mounted, octal escapes decoded
  std::string fsType;
  std::string source;            // "/dev/sdb1", "tmpfs", ...
  bool removableDevice = false;  // the block device is removable or on USB (sysfs); false for the rest
};

// The mount that holds `path` (longest mount point above it, the last one when stacked); null when
// none does (relative path, empty table).
inline const MountEntry* mountHolding(const std::vector<MountEntry>& mounts, std::string_view path) {
  const MountEntry* best = nullptr;
  for (const auto& mount : mounts) {
    if (!common::pathIsUnder(path, mount.mountPoint)) continue;
    if (best == nullptr || mount.mountPoint.size() >= best->mountPoint.size()) best = &mount;
  }
  return best;
}

struct FileActivityCounters {
  std::uint64_t received = 0;   // events read from the kernel
  std::uint64_t delivered = 0;  // handed to the consumer
  std::uint64_t ignored = 0;    // outside the roots or the agent's own
  std::uint64_t dropped = 0;    // the queue to the consumer was full
  std::uint64_t overflows = 0;  // the kernel's queue overflowed (events lost before we saw them)
};

class FileActivitySource {
 public:
  virtual ~FileActivitySource() = default;
  // Watches the filesystems holding `roots` (and mounts below them, also ones mounted later) and
  // delivers activity under the roots only. Calling it again replaces the roots. The agent's own
  // process is never reported.
  virtual common::Status watch(const std::vector<std::string>& roots) = 0;
  // Stops watching (no more events; queued ones are discarded).
  virtual void stop() = 0;
  // The next event, waiting at most timeoutMs; nullopt on timeout or after stop().
  virtual std::optional<FileActivity> next(int timeoutMs) = 0;
  // The mount table as of the last change seen.
  virtual std::vector<MountEntry> mounts() const = 0;
  virtual FileActivityCounters counters() const = 0;
  // Whether the process may still cause events (it runs and has not exited). Once it has ended, every
  // event it caused is already queued.
  virtual bool processRunning(pid_t pid) const = 0;
};

}  // namespace mamori::drivers
