#pragma once
// File activity from fanotify, NOTIFICATION class (FAN_CLASS_NOTIF): the kernel reports and never
// waits for us, so a slow agent can lose events (counted) but never slows a user's file access down.
// Its own group: the P2P guard's PERMISSION-class group is separate.
//
// Marks are mount marks (FAN_MARK_MOUNT) on every mount holding or below the roots, re-computed when
// /proc/self/mountinfo changes (POLLPRI), so a stick mounted later is watched too. Events:
// FAN_CLOSE_WRITE (a file written) and FAN_CLOSE_NOWRITE (a file read), from every file on those
// mounts: with a root under /home, every file closed on the root file system, most of them elsewhere.
//
// So closes are reported in FID mode where the file system allows it (FAN_REPORT_DFID_NAME |
// FAN_REPORT_FID: a directory handle and the entry's name, no descriptor): a directory seen once is
// judged by its handle from then on (DirectoryScopeCache), and an event outside the roots costs no
// system call. A file under the roots is opened by its own handle (open_by_handle_at against a mount
// point of its file system, opened for that moment only); its path is that descriptor's, as before.
// The same group reports renames (FAN_RENAME on a filesystem mark of each file system holding a root):
// a moved regular file under the roots is delivered like a written one, with `moved` and `movedFrom`;
// a renamed directory clears the cache, in order with the closes. File systems that cannot report file
// ids (tmpfs before Linux 5.13, some FUSE) or renames (before 5.17) are marked in a second group that
// reports descriptors, whose paths are read from /proc/self/fd per event. The reader reads at most
// every kCoalesceMs, so a machine busy elsewhere wakes it a bounded number of times. The reader hands
// events to the consumer through a bounded queue: when it is full the event is dropped and counted
// (dropped); a kernel queue overflow is counted (overflows). Design: docs/decisions/0010-activity-monitoring.md.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <sys/fanotify.h>
#include <thread>
#include <unordered_map>

#include "drivers/include/FileActivity.h"
#include "drivers/linux/DirectoryScopeCache.h"
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
  void readFid();
  void onFidClose(const fanotify_event_metadata& event, const std::vector<FidRecord>& records);
  void onFidRename(const fanotify_event_metadata& event, const std::vector<FidRecord>& records);
  // Marks `point` in the FID group (renames on its file system, closes on the mount); false when the
  // file system cannot report file ids or renames. Under mutex_.
  bool markFid(const std::string& point);
  // What a FID record names, opened with `flags` by its handle; invalid when it cannot be found.
  common::UniqueFd openHandle(const FidRecord& record, int flags);
  // The cached verdict for the directory of a DFID_NAME record (resolved once); null when it is gone.
  const DirectoryScopeCache::Entry* directoryOf(const FidRecord& record);
  void refreshMounts();
  common::Status markMounts();
  // Takes the roots from watch() into readerRoots_ and clears the directory cache when they or the
  // mount table changed. Reader thread only, between buffers of events.
  void syncRoots();
  bool underRoots(const std::string& path) const;  // against readerRoots_: reader thread only
  ProcessInfo processInfo(pid_t pid, std::int64_t nowMs);
  void attribute(FileActivity& activity, pid_t pid);  // who did it and when (now)
  void push(FileActivity&& activity);

  std::string procRoot_;
  std::string sysRoot_;
  std::size_t queueLimit_;
  pid_t self_;

  common::UniqueFd fanotify_;
  common::UniqueFd mountinfo_;
  common::UniqueFd wake_;  // eventfd: stop() wakes the reader
  common::UniqueFd fid_;   // the FID-mode group (closes, renames); invalid when the kernel has none
  std::thread reader_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;  // guards roots_, marked_, fidMarked_, renamesMarked_, mountPoints_, mounts_
  std::vector<std::string> roots_;
  std::atomic<std::uint64_t> rootsVersion_{0};
  std::vector<std::string> marked_;         // mounts whose closes the descriptor group reports
  std::vector<std::string> fidMarked_;      // mounts whose closes the FID group reports
  std::vector<std::string> renamesMarked_;  // mount points whose file system was marked for renames (tried once)
  std::vector<std::string> renamesFailed_;  // ... and could not be
  // One mount point per file system marked in the FID group, by file system id: opened for a moment to
  // resolve a record's handle (open_by_handle_at). Never held open: that would keep a stick busy,
  // so the user could not unmount it.
  std::map<std::array<std::uint8_t, 8>, std::string> mountPoints_;
  std::vector<MountEntry> mounts_;

  std::mutex queueMutex_;
  std::condition_variable queueReady_;
  std::deque<FileActivity> queue_;

  std::unordered_map<pid_t, ProcessInfo> processes_;  // reader thread only; cleared now and then
  std::int64_t processesClearedMs_ = 0;
  DirectoryScopeCache directories_;            // reader thread only
  std::vector<std::string> readerRoots_;       // reader thread only
  std::uint64_t readerRootsVersion_ = 0;       // reader thread only
  std::atomic<bool> directoriesStale_{false};  // the mount table changed: the reader clears the cache

  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> ignored_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> overflows_{0};
};

}  // namespace mamori::drivers::linux_os
