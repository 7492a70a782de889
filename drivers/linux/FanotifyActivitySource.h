#pragma once
// File activity from fanotify, NOTIFICATION class (FAN_CLASS_NOTIF): the kernel reports and never
// waits for us, so a slow agent can lose events (counted) but never slows a user's file access down.
// Its own group: the P2P guard's PERMISSION-class group is separate.
//
// Marks are mount marks (FAN_MARK_MOUNT) on every mount holding or below the roots, re-computed when
// /proc/self/mountinfo changes (POLLPRI), so a stick mounted later is watched too. Events:
// FAN_CLOSE_WRITE (a file written) and FAN_CLOSE_NOWRITE (a file read). Paths come from the event's
// descriptor (/proc/self/fd), filtered against the roots on the reader thread; the agent's own pid is
// dropped there too.
//
// Renames are seen by a second group in FID mode (FAN_REPORT_DFID_NAME), because mount marks cannot
// report directory entry events: FAN_RENAME on a filesystem mark (FAN_MARK_FILESYSTEM) of each file
// system holding a root. The new directory is opened by its handle (open_by_handle_at, against a
// descriptor of one of that file system's mounts), the file by its name in it; a moved regular file
// under the roots is delivered like a written one, with `moved` and `movedFrom`. File systems that
// cannot report file ids (tmpfs before Linux 6.6, some FUSE) keep write and read events only. The reader hands events
// to the consumer through a bounded queue: when it is full the event is dropped and counted (dropped); a kernel queue
// overflow is counted (overflows). Design: docs/decisions/0010-activity-monitoring.md.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "drivers/include/FileActivity.h"
#include "drivers/linux/FanotifyFidRecords.h"

namespace mamori::drivers::linux_os {

class FanotifyActivitySource final : public FileActivitySource {
 public:
  explicit FanotifyActivitySource(std::string procRoot = "/proc", std::string sysRoot = "/sys",
                                  std::size_t queueLimit = 4096);
  ~FanotifyActivitySource() override;
  FanotifyActivitySource(const FanotifyActivitySource&) = delete;
  FanotifyActivitySource& operator=(const FanotifyActivitySource&) = delete;

  common::Status watch(const std::vector<std::string>& roots) override;
  void stop() override;
  std::optional<FileActivity> next(int timeoutMs) override;
  std::vector<MountEntry> mounts() const override;
  FileActivityCounters counters() const override;
  bool processRunning(pid_t pid) const override;

 private:
  struct ProcessInfo {
    uid_t uid = 0;
    std::string name;
  };

  void readLoop();
  void readEvents();
  void readMoves();
  void markMoves(const std::vector<std::string>& wanted);  // under mutex_
  // The directory a FID record names, opened O_PATH; invalid when it cannot be found.
  common::UniqueFd openDirectory(const FidRecord& record);
  void refreshMounts();
  common::Status markMounts();
  bool underRoots(const std::string& path);
  ProcessInfo processInfo(pid_t pid, std::int64_t nowMs);
  void push(FileActivity&& activity);

  std::string procRoot_;
  std::string sysRoot_;
  std::size_t queueLimit_;
  pid_t self_;

  common::UniqueFd fanotify_;
  common::UniqueFd mountinfo_;
  common::UniqueFd wake_;   // eventfd: stop() wakes the reader
  common::UniqueFd moves_;  // the FID-mode group for renames; invalid when the kernel has none
  std::thread reader_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;  // guards roots_, marked_, mounts_
  std::vector<std::string> roots_;
  std::vector<std::string> marked_;
  std::vector<std::string> movesMarked_;
  // One mount point per file system marked for renames, by file system id: opened for a moment to
  // resolve a record's handle (open_by_handle_at). Never held open: that would keep a stick busy,
  // so the user could not unmount it.
  std::map<std::array<std::uint8_t, 8>, std::string> mountPoints_;
  std::vector<MountEntry> mounts_;

  std::mutex queueMutex_;
  std::condition_variable queueReady_;
  std::deque<FileActivity> queue_;

  std::unordered_map<pid_t, ProcessInfo> processes_;  // reader thread only; cleared now and then
  std::int64_t processesClearedMs_ = 0;

  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> ignored_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> overflows_{0};
};

}  // namespace mamori::drivers::linux_os
