#pragma once
// Facts about one running process, as the OS shows them (Linux: /proc/PID). Plain structs, no
// decisions: the agent's P2P guard and the staff's inspection tool both build on them.

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mamori::drivers {

// Which file an executable or library is, independent of its name: a renamed copy has another
// inode, a rewritten file another size or mtime. Keys the hash cache.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = -1;  // -1: unknown
  std::int64_t mtimeNs = 0;

  bool known() const { return size >= 0; }
  bool operator==(const FileIdentity&) const = default;
};

// A file-backed, executable mapping (/proc/PID/maps with 'x'): the executable itself and the shared
// libraries it runs code from (libtorrent-rasterbar, libaria2 ...).
struct ExecutableMapping {
  std::string path;  // as the kernel prints it; " (deleted)" removed, deleted then true
  std::uint64_t inode = 0;
  bool deleted = false;
  // Its first executable range as maps prints it ("7f2a4c000000-7f2a4c2b1000"): the name of its
  // entry in /proc/PID/map_files, which opens the mapped file also once it is deleted (a library
  // unlinked after it was loaded, or one loaded from a memfd). Empty when unknown.
  std::string addresses = {};
};

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  uid_t uid = 0;     // real user id
  std::string user;  // uid's name, or the number when it has none
  std::string comm;  // at most 15 bytes (the kernel truncates)
  std::vector<std::string> argv;
  std::string exePath;                      // readlink(/proc/PID/exe); empty for kernel threads or when denied
  FileIdentity exe;                         // stat(/proc/PID/exe): the file that really runs, whatever its name
  std::vector<ExecutableMapping> mappings;  // libraries first seen order, executable included
  // Clock ticks since boot (/proc/PID/stat field 22). (pid, startTime) names one process for its whole
  // life: a PID reused later has another start time, so nothing acts on the wrong process.
  std::uint64_t startTime = 0;
  bool kernelThread = false;
  // The address space's size (/proc/PID/stat field 23): it grows when a library is mapped, so a
  // sweep can tell from stat alone whether the mappings may have changed.
  std::uint64_t virtualBytes = 0;
};

}  // namespace mamori::drivers
