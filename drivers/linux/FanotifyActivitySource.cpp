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
#include "drivers/linux/LinuxMounts.h"
#include "drivers/linux/MountInfoParser.h"

namespace mamori::drivers::linux_os {

namespace {

constexpr std::uint64_t kMask = FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE;
// Renames of files (not of directories: FAN_ONDIR is left out).
constexpr std::uint64_t kMovesMask = FAN_RENAME;
constexpr std::int64_t kProcessCacheMs = 5000;

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
    moves_.reset(::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME,
                                 O_RDONLY | O_LARGEFILE | O_CLOEXEC));
    if (!moves_.valid()) {
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
  moves_.reset();
  mountinfo_.reset();
  wake_.reset();
  {
    const std::lock_guard lock(mutex_);
    marked_.clear();
    movesMarked_.clear();
    mountPoints_.clear();
  }
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
}

common::Status FanotifyActivitySource::markMounts() {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> wanted = mountPointsCovering(mounts_, roots_);
  // A mount no longer wanted (the roots changed) is unmarked by starting over; mounts that went away
  // lost their marks with them.
  const bool shrink = std::any_of(marked_.begin(), marked_.end(), [&](const std::string& point) {
    return std::find(wanted.begin(), wanted.end(), point) == wanted.end();
  });
  if (shrink) {
    (void)::fanotify_mark(fanotify_.get(), FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, AT_FDCWD, nullptr);
    marked_.clear();
  }
  common::Status status = common::Ok{};
  for (const auto& point : wanted) {
    if (std::find(marked_.begin(), marked_.end(), point) != marked_.end()) continue;
    if (::fanotify_mark(fanotify_.get(), FAN_MARK_ADD | FAN_MARK_MOUNT, kMask, AT_FDCWD, point.c_str()) != 0) {
      // One unmarkable mount (gone meanwhile, a filesystem without fanotify) does not stop the others.
      status = common::makeError("fanotify_mark", point, errno);
      common::log::warning("activity: " + status.error().describe());
      continue;
    }
    marked_.push_back(point);
  }
  if (moves_.valid()) markMoves(wanted);
  return marked_.empty() && !wanted.empty() ? status : common::Status{common::Ok{}};
}

void FanotifyActivitySource::markMoves(const std::vector<std::string>& wanted) {
  const bool shrink = std::any_of(movesMarked_.begin(), movesMarked_.end(), [&](const std::string& point) {
    return std::find(wanted.begin(), wanted.end(), point) == wanted.end();
  });
  if (shrink) {
    (void)::fanotify_mark(moves_.get(), FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM, 0, AT_FDCWD, nullptr);
    movesMarked_.clear();
    mountPoints_.clear();
  }
  for (const auto& point : wanted) {
    if (std::find(movesMarked_.begin(), movesMarked_.end(), point) != movesMarked_.end()) continue;
    movesMarked_.push_back(point);  // tried once per mount point, also when it fails
    if (::fanotify_mark(moves_.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, kMovesMask, AT_FDCWD, point.c_str()) != 0) {
      common::log::warning("activity: " + common::makeError("fanotify_mark for renames", point, errno).describe() +
                           "; files moved in by a rename on this file system are not seen");
      continue;
    }
    struct statfs facts {};
    if (::statfs(point.c_str(), &facts) != 0) continue;
    std::array<std::uint8_t, 8> fsid{};
    static_assert(sizeof facts.f_fsid == 8);
    std::memcpy(fsid.data(), &facts.f_fsid, fsid.size());
    mountPoints_.emplace(fsid, point);
  }
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
  while (!stopping_) {
    // An invalid moves_ (-1) is ignored by poll.
    std::array<pollfd, 4> fds{{{fanotify_.get(), POLLIN, 0},
                               {mountinfo_.get(), POLLPRI, 0},
                               {wake_.get(), POLLIN, 0},
                               {moves_.valid() ? moves_.get() : -1, POLLIN, 0}}};
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
    if ((fds[0].revents & POLLIN) != 0) readEvents();
    if ((fds[3].revents & POLLIN) != 0) readMoves();
  }
}

bool FanotifyActivitySource::underRoots(const std::string& path) {
  const std::lock_guard lock(mutex_);
  return std::any_of(roots_.begin(), roots_.end(), [&](const std::string& root) { return pathIsUnder(path, root); });
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
  alignas(fanotify_event_metadata) std::array<char, 64 * 1024> buffer{};
  for (;;) {
    const ssize_t length = ::read(fanotify_.get(), buffer.data(), buffer.size());
    if (length <= 0) return;  // EAGAIN: drained
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
      std::array<char, PATH_MAX> path{};
      const std::string link = "/proc/self/fd/" + std::to_string(fd.get());
      const ssize_t n = ::readlink(link.c_str(), path.data(), path.size() - 1);
      if (n <= 0) continue;
      FileActivity activity;
      activity.path.assign(path.data(), static_cast<std::size_t>(n));
      if (!underRoots(activity.path)) {
        ++ignored_;
        continue;
      }
      struct stat info {};
      if (::fstat(fd.get(), &info) == 0) activity.size = info.st_size;
      activity.op = (event->mask & FAN_CLOSE_WRITE) != 0 ? FileOp::kWritten : FileOp::kRead;
      activity.pid = event->pid;
      activity.timeMs = wallMs();
      const ProcessInfo process = processInfo(event->pid, activity.timeMs);
      activity.uid = process.uid;
      activity.processName = process.name;
      if (activity.op == FileOp::kWritten) activity.fd = std::move(fd);
      push(std::move(activity));
    }
  }
}

common::UniqueFd FanotifyActivitySource::openDirectory(const FidRecord& record) {
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
  return common::UniqueFd(::open_by_handle_at(mount.get(), reinterpret_cast<file_handle*>(aligned.data()),
                                              O_PATH | O_DIRECTORY | O_CLOEXEC));
}

void FanotifyActivitySource::readMoves() {
  alignas(fanotify_event_metadata) std::array<char, 16 * 1024> buffer{};
  const auto pathOf = [](int fd) {
    std::array<char, PATH_MAX> path{};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), path.data(), path.size() - 1);
    return n > 0 ? std::string(path.data(), static_cast<std::size_t>(n)) : std::string();
  };
  const auto join = [](const std::string& directory, const std::string& name) {
    return directory == "/" ? "/" + name : directory + "/" + name;
  };
  for (;;) {
    const ssize_t length = ::read(moves_.get(), buffer.data(), buffer.size());
    if (length <= 0) return;  // EAGAIN: drained
    const auto* event = reinterpret_cast<const fanotify_event_metadata*>(buffer.data());
    ssize_t left = length;
    for (; FAN_EVENT_OK(event, left); event = FAN_EVENT_NEXT(event, left)) {
      ++received_;
      if ((event->mask & FAN_Q_OVERFLOW) != 0) {
        ++overflows_;
        continue;
      }
      if (event->vers != FANOTIFY_METADATA_VERSION || (event->mask & FAN_RENAME) == 0) continue;
      if (event->pid == self_) {
        ++ignored_;
        continue;
      }
      const std::string_view info(reinterpret_cast<const char*>(event) + event->metadata_len,
                                  event->event_len - event->metadata_len);
      auto records = parseFidRecords(info);
      if (!records) {
        common::log::warning("activity: a rename event could not be read: " + records.error().describe());
        continue;
      }
      const FidRecord* to = nullptr;
      const FidRecord* from = nullptr;
      for (const auto& record : records.value()) {
        if (record.type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) to = &record;
        if (record.type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME) from = &record;
      }
      if (to == nullptr) continue;
      const common::UniqueFd directory = openDirectory(*to);
      if (!directory.valid()) continue;  // gone already, or a file system marked before a remount
      FileActivity activity;
      activity.path = join(pathOf(directory.get()), to->name);
      if (!underRoots(activity.path)) {
        ++ignored_;
        continue;
      }
      common::UniqueFd file(
          ::openat(directory.get(), to->name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
      struct stat facts {};
      if (!file.valid() || ::fstat(file.get(), &facts) != 0 || !S_ISREG(facts.st_mode)) continue;
      if (from != nullptr) {
        if (const common::UniqueFd before = openDirectory(*from); before.valid()) {
          activity.movedFrom = join(pathOf(before.get()), from->name);
        }
      }
      activity.op = FileOp::kWritten;
      activity.moved = true;
      activity.size = facts.st_size;
      activity.pid = event->pid;
      activity.timeMs = wallMs();
      const ProcessInfo process = processInfo(event->pid, activity.timeMs);
      activity.uid = process.uid;
      activity.processName = process.name;
      activity.fd = std::move(file);
      push(std::move(activity));
    }
  }
}

}  // namespace mamori::drivers::linux_os
