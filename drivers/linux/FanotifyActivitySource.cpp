#include "drivers/linux/FanotifyActivitySource.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "common/Files.h"
#include "common/Log.h"
#include "common/ThreadName.h"
#include "drivers/linux/LinuxMounts.h"
#include "drivers/linux/MountInfoParser.h"

namespace mamori::drivers::linux_os {

using common::pathIsUnder;

namespace {

constexpr std::uint64_t kMask = FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE;
// Renames of files (moved in) and of directories (the directory cache goes stale).
constexpr std::uint64_t kRenamesMask = FAN_RENAME | FAN_ONDIR;
constexpr std::int64_t kProcessCacheMs = 5000;
// The reader reads at most this often: events that arrive meanwhile wait in the kernel's queue
// (16384 events) and are read together, so a machine busy elsewhere costs a bounded number of
// wake-ups. A delay this short is invisible in the analysis, which batches for 20-300 ms anyway.
constexpr int kCoalesceMs = 50;
// An event with its records: metadata, a directory handle with a name, a file handle (MAX_HANDLE_SZ
// 128 bytes each, NAME_MAX 255).
constexpr std::size_t kLargestEventBytes = 1024;

std::string readLinkOf(int fd) {
  std::array<char, PATH_MAX> path{};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), path.data(), path.size() - 1);
  return n > 0 ? std::string(path.data(), static_cast<std::size_t>(n)) : std::string();
}

std::string directoryKey(const FidRecord& record) {
  std::string key(reinterpret_cast<const char*>(record.fsid.data()), record.fsid.size());
  key += record.handle;
  return key;
}

std::int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Written files are queued with their descriptor; a burst must not run the agent out of descriptors.
void raiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

FanotifyActivitySource::FanotifyActivitySource(std::string procRoot, std::string sysRoot, std::size_t queueLimit)
    : procRoot_(std::move(procRoot)), sysRoot_(std::move(sysRoot)), queueLimit_(queueLimit), self_(::getpid()) {}

FanotifyActivitySource::~FanotifyActivitySource() { stop(); }

common::Status FanotifyActivitySource::watch(const std::vector<std::string>& roots) {
  {
    const std::lock_guard lock(mutex_);
    roots_ = roots;
    ++rootsVersion_;
  }
  if (!fanotify_.valid()) {
    fanotify_.reset(::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC));
    if (!fanotify_.valid()) return common::makeError("fanotify_init (needs CAP_SYS_ADMIN)", {}, errno);
    const std::string mountinfo = procRoot_ + "/self/mountinfo";
    mountinfo_.reset(::open(mountinfo.c_str(), O_RDONLY | O_CLOEXEC));
    if (!mountinfo_.valid()) return common::makeError("cannot open", mountinfo, errno);
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_.valid()) return common::makeError("eventfd", {}, errno);
    raiseDescriptorLimit();
    fid_.reset(::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME | FAN_REPORT_FID,
                               O_RDONLY | O_LARGEFILE | O_CLOEXEC));
    if (!fid_.valid()) {
      common::log::warning("activity: " + common::makeError("fanotify_init in FID mode", {}, errno).describe() +
                           "; files moved in by a rename are not seen (Linux 5.17 or later needed)");
    }
  }
  refreshMounts();
  if (auto marked = markMounts(); !marked) return marked;
  if (!reader_.joinable()) {
    stopping_ = false;
    reader_ = std::thread([this] { readLoop(); });
  }
  return common::Ok{};
}

void FanotifyActivitySource::stop() {
  stopping_ = true;
  if (wake_.valid()) {
    const std::uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }
  if (reader_.joinable()) reader_.join();
  fanotify_.reset();
  fid_.reset();
  mountinfo_.reset();
  wake_.reset();
  {
    const std::lock_guard lock(mutex_);
    marked_.clear();
    fidMarked_.clear();
    renamesMarked_.clear();
    renamesFailed_.clear();
    mountPoints_.clear();
  }
  directories_.clear();  // the reader has ended
  const std::lock_guard lock(queueMutex_);
  queue_.clear();
  queueReady_.notify_all();
}

void FanotifyActivitySource::refreshMounts() {
  auto table = readMountTable(procRoot_, sysRoot_);
  if (!table) {
    common::log::warning("activity: " + table.error().describe() + " (keeping the previous mount table)");
    return;
  }
  const std::lock_guard lock(mutex_);
  mounts_ = std::move(table).value();
  directoriesStale_ = true;  // a mount over a directory changes what lies under the roots
}

common::Status FanotifyActivitySource::markMounts() {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> wanted = mountPointsCovering(mounts_, roots_);
  const auto unwanted = [&](const std::string& point) {
    return std::find(wanted.begin(), wanted.end(), point) == wanted.end();
  };
  // A mount no longer wanted (the roots changed) is unmarked by starting over; mounts that went away
  // lost their marks with them.
  if (std::any_of(marked_.begin(), marked_.end(), unwanted) ||
      std::any_of(fidMarked_.begin(), fidMarked_.end(), unwanted) ||
      std::any_of(renamesMarked_.begin(), renamesMarked_.end(), unwanted)) {
    (void)::fanotify_mark(fanotify_.get(), FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, AT_FDCWD, nullptr);
    marked_.clear();
    if (fid_.valid()) {
      (void)::fanotify_mark(fid_.get(), FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, AT_FDCWD, nullptr);
      (void)::fanotify_mark(fid_.get(), FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM, 0, AT_FDCWD, nullptr);
    }
    fidMarked_.clear();
    renamesMarked_.clear();
    renamesFailed_.clear();
    mountPoints_.clear();
  }
  common::Status status = common::Ok{};
  for (const auto& point : wanted) {
    const auto has = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), point) != list.end();
    };
    if (has(marked_) || has(fidMarked_)) continue;
    if (fid_.valid() && markFid(point)) {
      fidMarked_.push_back(point);
      continue;
    }
    if (::fanotify_mark(fanotify_.get(), FAN_MARK_ADD | FAN_MARK_MOUNT, kMask, AT_FDCWD, point.c_str()) != 0) {
      // One unmarkable mount (gone meanwhile, a filesystem without fanotify) does not stop the others.
      status = common::makeError("fanotify_mark", point, errno);
      common::log::warning("activity: " + status.error().describe());
      continue;
    }
    marked_.push_back(point);
  }
  return marked_.empty() && fidMarked_.empty() && !wanted.empty() ? status : common::Status{common::Ok{}};
}

bool FanotifyActivitySource::markFid(const std::string& point) {
  if (std::find(renamesMarked_.begin(), renamesMarked_.end(), point) == renamesMarked_.end()) {
    renamesMarked_.push_back(point);  // tried once per mount point, also when it fails
    if (::fanotify_mark(fid_.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, kRenamesMask, AT_FDCWD, point.c_str()) != 0) {
      common::log::warning("activity: " + common::makeError("fanotify_mark for renames", point, errno).describe() +
                           "; files moved in by a rename on this file system are not seen, and its files' paths "
                           "are read per event");
      renamesFailed_.push_back(point);
      return false;
    }
    struct statfs facts {};
    if (::statfs(point.c_str(), &facts) != 0) {
      renamesFailed_.push_back(point);
      return false;
    }
    std::array<std::uint8_t, 8> fsid{};
    static_assert(sizeof facts.f_fsid == 8);
    std::memcpy(fsid.data(), &facts.f_fsid, fsid.size());
    mountPoints_.emplace(fsid, point);
  }
  // Without renames in the same queue, cached directories would go stale unseen: such a file system's
  // closes are reported with descriptors.
  if (std::find(renamesFailed_.begin(), renamesFailed_.end(), point) != renamesFailed_.end()) return false;
  if (::fanotify_mark(fid_.get(), FAN_MARK_ADD | FAN_MARK_MOUNT, kMask, AT_FDCWD, point.c_str()) != 0) {
    common::log::info("activity: " + common::makeError("fanotify_mark in FID mode", point, errno).describe() +
                      "; closes on this mount are reported with descriptors");
    return false;
  }
  return true;
}

std::vector<MountEntry> FanotifyActivitySource::mounts() const {
  const std::lock_guard lock(mutex_);
  return mounts_;
}

FileActivityCounters FanotifyActivitySource::counters() const {
  return {received_.load(), delivered_.load(), ignored_.load(), dropped_.load(), overflows_.load()};
}

std::optional<FileActivity> FanotifyActivitySource::next(int timeoutMs) {
  std::unique_lock lock(queueMutex_);
  queueReady_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return !queue_.empty() || stopping_; });
  if (queue_.empty()) return std::nullopt;
  FileActivity activity = std::move(queue_.front());
  queue_.pop_front();
  return activity;
}

void FanotifyActivitySource::push(FileActivity&& activity) {
  {
    const std::lock_guard lock(queueMutex_);
    if (queue_.size() >= queueLimit_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(activity));
  }
  ++delivered_;
  queueReady_.notify_one();
}

void FanotifyActivitySource::readLoop() {
  common::nameThisThread("mamori-activity");
  while (!stopping_) {
    // An invalid fid_ (-1) is ignored by poll.
    std::array<pollfd, 4> fds{{{fanotify_.get(), POLLIN, 0},
                               {mountinfo_.get(), POLLPRI, 0},
                               {wake_.get(), POLLIN, 0},
                               {fid_.valid() ? fid_.get() : -1, POLLIN, 0}}};
    const int ready = ::poll(fds.data(), fds.size(), -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      common::log::error("activity: poll: " + common::makeError("poll", {}, errno).describe());
      return;
    }
    if ((fds[2].revents & POLLIN) != 0 || stopping_) return;
    if ((fds[1].revents & (POLLPRI | POLLERR)) != 0) {
      // The table changed (a stick mounted): re-read it and mark what is new. Reading to the end
      // re-arms POLLPRI.
      (void)::lseek(mountinfo_.get(), 0, SEEK_SET);
      std::array<char, 4096> sink{};
      while (::read(mountinfo_.get(), sink.data(), sink.size()) > 0) {
      }
      refreshMounts();
      (void)markMounts();
    }
    const bool events = (fds[0].revents & POLLIN) != 0 || (fds[3].revents & POLLIN) != 0;
    if ((fds[0].revents & POLLIN) != 0) readEvents();
    if ((fds[3].revents & POLLIN) != 0) readFid();
    if (events) {
      // Let the next events gather in the kernel's queue (stop() still wakes us at once).
      pollfd wake{wake_.get(), POLLIN, 0};
      (void)::poll(&wake, 1, kCoalesceMs);
    }
  }
}

void FanotifyActivitySource::syncRoots() {
  if (directoriesStale_.exchange(false)) directories_.clear();
  if (readerRootsVersion_ != rootsVersion_.load()) {
    const std::lock_guard lock(mutex_);
    readerRoots_ = roots_;
    readerRootsVersion_ = rootsVersion_.load();
    directories_.clear();
  }
}

bool FanotifyActivitySource::underRoots(const std::string& path) const {
  return std::any_of(readerRoots_.begin(), readerRoots_.end(),
                     [&](const std::string& root) { return pathIsUnder(path, root); });
}

FanotifyActivitySource::ProcessInfo FanotifyActivitySource::processInfo(pid_t pid, std::int64_t nowMs) {
  // Short-lived processes (cp, zip) are often gone by the time a consumer would look; ask now, once per
  // pid for a few seconds (pids are reused, so the cache is not kept long).
  if (nowMs - processesClearedMs_ > kProcessCacheMs || processes_.size() > 4096) {
    processes_.clear();
    processesClearedMs_ = nowMs;
  }
  if (auto found = processes_.find(pid); found != processes_.end()) return found->second;
  ProcessInfo info;
  const std::string base = procRoot_ + "/" + std::to_string(pid);
  if (auto comm = common::readSmallFile(base + "/comm", 256)) {
    info.name = comm.value();
    while (!info.name.empty() && info.name.back() == '\n') info.name.pop_back();
  }
  if (auto status = common::readSmallFile(base + "/status", 64 << 10)) {
    const std::string& text = status.value();
    if (const auto at = text.find("\nUid:"); at != std::string::npos) {
      info.uid = static_cast<uid_t>(std::strtoul(text.c_str() + at + 5, nullptr, 10));
    }
  }
  processes_[pid] = info;
  return info;
}

void FanotifyActivitySource::attribute(FileActivity& activity, pid_t pid) {
  activity.pid = pid;
  activity.timeMs = wallMs();
  const ProcessInfo process = processInfo(pid, activity.timeMs);
  activity.uid = process.uid;
  activity.processName = process.name;
}

bool FanotifyActivitySource::processRunning(pid_t pid) const {
  // A zombie has closed its files already (its events are queued): only a live state counts.
  auto stat = common::readSmallFile(procRoot_ + "/" + std::to_string(pid) + "/stat", 4096);
  if (!stat) return false;
  const auto close = stat.value().rfind(')');  // the name may hold spaces and parentheses
  if (close == std::string::npos || close + 2 >= stat.value().size()) return false;
  const char state = stat.value()[close + 2];
  return state != 'Z' && state != 'X';
}

void FanotifyActivitySource::readEvents() {
  alignas(fanotify_event_metadata) std::array<char, std::size_t{64} * 1024> buffer{};
  // A read that left room for another event found the queue empty: no second read just to hear EAGAIN.
  for (bool full = true; full;) {
    const ssize_t length = ::read(fanotify_.get(), buffer.data(), buffer.size());
    if (length <= 0) return;  // EAGAIN: drained
    full = static_cast<std::size_t>(length) + kLargestEventBytes > buffer.size();
    syncRoots();
    const auto* event = reinterpret_cast<const fanotify_event_metadata*>(buffer.data());
    ssize_t left = length;
    for (; FAN_EVENT_OK(event, left); event = FAN_EVENT_NEXT(event, left)) {
      ++received_;
      if (event->vers != FANOTIFY_METADATA_VERSION) {
        common::log::error("activity: unexpected fanotify metadata version " + std::to_string(event->vers));
        continue;
      }
      if ((event->mask & FAN_Q_OVERFLOW) != 0) {
        ++overflows_;
        continue;
      }
      if (event->fd < 0) continue;
      common::UniqueFd fd(event->fd);
      if (event->pid == self_) {
        ++ignored_;
        continue;
      }
      FileActivity activity;
      activity.path = readLinkOf(fd.get());
      if (activity.path.empty()) continue;
      if (!underRoots(activity.path)) {
        ++ignored_;
        continue;
      }
      struct stat info {};
      if (::fstat(fd.get(), &info) == 0) activity.size = info.st_size;
      activity.op = (event->mask & FAN_CLOSE_WRITE) != 0 ? FileOp::kWritten : FileOp::kRead;
      attribute(activity, event->pid);
      if (activity.op == FileOp::kWritten) activity.fd = std::move(fd);
      push(std::move(activity));
    }
  }
}

common::UniqueFd FanotifyActivitySource::openHandle(const FidRecord& record, int flags) {
  // open_by_handle_at wants a struct file_handle, aligned as one.
  std::array<std::uint64_t, (sizeof(file_handle) + 128) / 8 + 1> aligned{};
  std::memcpy(aligned.data(), record.handle.data(), std::min(record.handle.size(), sizeof aligned));
  std::string point;
  {
    const std::lock_guard lock(mutex_);
    const auto found = mountPoints_.find(record.fsid);
    if (found == mountPoints_.end()) return {};
    point = found->second;
  }
  // Not O_PATH: open_by_handle_at refuses such a descriptor as its mount_fd (EBADF).
  const common::UniqueFd mount(::open(point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!mount.valid()) return {};
  return common::UniqueFd(
      ::open_by_handle_at(mount.get(), reinterpret_cast<file_handle*>(aligned.data()), flags | O_CLOEXEC));
}

const DirectoryScopeCache::Entry* FanotifyActivitySource::directoryOf(const FidRecord& record) {
  const std::string key = directoryKey(record);
  if (const auto* known = directories_.find(key)) return known;
  const common::UniqueFd directory = openHandle(record, O_PATH | O_DIRECTORY);
  if (!directory.valid()) return nullptr;  // removed already, or a file system marked before a remount
  return &directories_.add(key, readLinkOf(directory.get()), readerRoots_);
}

void FanotifyActivitySource::readFid() {
  alignas(fanotify_event_metadata) std::array<char, std::size_t{64} * 1024> buffer{};
  // A read that left room for another event found the queue empty: no second read just to hear EAGAIN.
  for (bool full = true; full;) {
    const ssize_t length = ::read(fid_.get(), buffer.data(), buffer.size());
    if (length <= 0) return;  // EAGAIN: drained
    full = static_cast<std::size_t>(length) + kLargestEventBytes > buffer.size();
    syncRoots();  // between buffers only: entries of the directory cache stay valid while one is handled
    const auto* event = reinterpret_cast<const fanotify_event_metadata*>(buffer.data());
    ssize_t left = length;
    for (; FAN_EVENT_OK(event, left); event = FAN_EVENT_NEXT(event, left)) {
      ++received_;
      if ((event->mask & FAN_Q_OVERFLOW) != 0) {
        ++overflows_;
        directories_.clear();  // a directory rename may be among what was lost
        continue;
      }
      if (event->vers != FANOTIFY_METADATA_VERSION) continue;
      if ((event->mask & FAN_RENAME) != 0 && (event->mask & FAN_ONDIR) != 0) {
        // Whatever lay in or below it may now be elsewhere: judge every directory afresh.
        directories_.clear();
        ++ignored_;
        continue;
      }
      if (event->pid == self_ || (event->mask & FAN_ONDIR) != 0) {
        ++ignored_;
        continue;
      }
      const std::string_view info(reinterpret_cast<const char*>(event) + event->metadata_len,
                                  event->event_len - event->metadata_len);
      auto records = parseFidRecords(info);
      if (!records) {
        common::log::warning("activity: an event could not be read: " + records.error().describe());
        continue;
      }
      if ((event->mask & FAN_RENAME) != 0) {
        onFidRename(*event, records.value());
      } else if ((event->mask & kMask) != 0) {
        onFidClose(*event, records.value());
      }
    }
  }
}

void FanotifyActivitySource::onFidClose(const fanotify_event_metadata& event, const std::vector<FidRecord>& records) {
  const FidRecord* entry = nullptr;
  const FidRecord* file = nullptr;
  for (const auto& record : records) {
    if (record.type == FAN_EVENT_INFO_TYPE_DFID_NAME) entry = &record;
    if (record.type == FAN_EVENT_INFO_TYPE_FID) file = &record;
  }
  if (entry == nullptr || file == nullptr) return;
  const DirectoryScopeCache::Entry* directory = directoryOf(*entry);
  if (directory == nullptr || !DirectoryScopeCache::watches(*directory, entry->name, readerRoots_)) {
    ++ignored_;
    return;
  }
  // The very file that was closed, even if renamed since (zip's temporary file, a print spool's
  // control file): written ones readable for the analysis, read ones only looked at.
  const bool written = (event.mask & FAN_CLOSE_WRITE) != 0;
  common::UniqueFd fd = openHandle(*file, written ? O_RDONLY | O_NONBLOCK | O_NOCTTY : O_PATH);
  struct stat facts {};
  if (!fd.valid() || ::fstat(fd.get(), &facts) != 0 || !S_ISREG(facts.st_mode)) return;  // removed already
  FileActivity activity;
  // Where it was closed: a file renamed since (by the program that wrote it, or moved on by the user)
  // keeps the name it was written under; the rename is an event of its own.
  activity.path = DirectoryScopeCache::join(directory->path, entry->name);
  activity.size = facts.st_size;
  activity.op = written ? FileOp::kWritten : FileOp::kRead;
  attribute(activity, event.pid);
  if (written) activity.fd = std::move(fd);
  push(std::move(activity));
}

void FanotifyActivitySource::onFidRename(const fanotify_event_metadata& event, const std::vector<FidRecord>& records) {
  const FidRecord* to = nullptr;
  const FidRecord* from = nullptr;
  for (const auto& record : records) {
    if (record.type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) to = &record;
    if (record.type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME) from = &record;
  }
  if (to == nullptr) return;
  const DirectoryScopeCache::Entry* directory = directoryOf(*to);
  if (directory == nullptr) return;  // gone already
  if (!DirectoryScopeCache::watches(*directory, to->name, readerRoots_)) {
    ++ignored_;
    return;
  }
  const common::UniqueFd opened = openHandle(*to, O_PATH | O_DIRECTORY);
  if (!opened.valid()) return;
  common::UniqueFd file(
      ::openat(opened.get(), to->name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  struct stat facts {};
  if (!file.valid() || ::fstat(file.get(), &facts) != 0 || !S_ISREG(facts.st_mode)) return;
  FileActivity activity;
  activity.path = DirectoryScopeCache::join(directory->path, to->name);
  if (from != nullptr) {
    if (const auto* before = directoryOf(*from))
      activity.movedFrom = DirectoryScopeCache::join(before->path, from->name);
  }
  activity.op = FileOp::kWritten;
  activity.moved = true;
  activity.size = facts.st_size;
  attribute(activity, event.pid);
  activity.fd = std::move(file);
  push(std::move(activity));
}

}  // namespace mamori::drivers::linux_os
