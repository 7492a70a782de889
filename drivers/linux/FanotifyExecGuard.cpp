#include "drivers/linux/FanotifyExecGuard.h"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <sys/fanotify.h>

#include "common/ThreadName.h"

namespace mamori::drivers::linux_os {

namespace {

std::uint64_t nowNs() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(now.tv_nsec);
}

std::string pathOf(int fd) {
  std::array<char, 4096> buffer{};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buffer.data(), buffer.size() - 1);
  return n > 0 ? std::string(buffer.data(), static_cast<std::size_t>(n)) : std::string();
}

void respond(int group, int fd, bool allow) {
  fanotify_response response{};
  response.fd = fd;
  response.response = allow ? FAN_ALLOW : FAN_DENY;
  (void)!::write(group, &response, sizeof response);
}

}  // namespace

common::Result<std::unique_ptr<FanotifyExecGuard>> FanotifyExecGuard::start(const std::vector<std::string>& paths,
                                                                            Decide decide, Answered answered) {
  // FAN_UNLIMITED_MARKS: one ignore mark per program remembered as allowed (bounded below).
  // O_RDONLY and O_LARGEFILE are both 0 on 64-bit glibc, which misc-redundant-expression takes for the same
  // operand twice; O_LARGEFILE is what a 32-bit build needs.
  common::UniqueFd group(::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_MARKS,
                                         // NOLINTNEXTLINE(misc-redundant-expression): see above
                                         O_RDONLY | O_CLOEXEC | O_LARGEFILE));
  if (!group.valid()) return common::makeError("cannot create a fanotify permission group", "fanotify", errno);
  bool marked = false;
  std::string lastError;
  for (const auto& path : paths) {
    if (::fanotify_mark(group.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM, AT_FDCWD, path.c_str()) ==
        0) {
      marked = true;
    } else {
      lastError = path + ": " + std::strerror(errno);  // NOLINT(concurrency-mt-unsafe): start-up only
    }
  }
  if (!marked)
    return common::makeError("cannot mark any filesystem for exec permission events (" + lastError + ")", "fanotify");
  common::UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) return common::makeError("cannot create an eventfd", "fanotify", errno);
  auto guard = std::unique_ptr<FanotifyExecGuard>(
      new FanotifyExecGuard(std::move(group), std::move(wake), std::move(decide), std::move(answered)));
  guard->thread_ = std::thread([raw = guard.get()] { raw->run(); });
  return guard;
}

FanotifyExecGuard::FanotifyExecGuard(common::UniqueFd group, common::UniqueFd wake, Decide decide, Answered answered)
    : group_(std::move(group)),
      wake_(std::move(wake)),
      decide_(std::move(decide)),
      answered_(std::move(answered)),
      self_(::getpid()) {}

FanotifyExecGuard::~FanotifyExecGuard() {
  stop_ = true;
  const std::uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void FanotifyExecGuard::forgetAllowed() {
  const std::lock_guard lock(marks_);
  ++epoch_;
  // Without FAN_MARK_MOUNT or FAN_MARK_FILESYSTEM the flush removes inode marks only: the
  // filesystem marks that bring the questions stay.
  (void)::fanotify_mark(group_.get(), FAN_MARK_FLUSH, 0, AT_FDCWD, nullptr);
  remembered_ = 0;
}

void FanotifyExecGuard::remember(int fd, std::uint64_t epoch) {
  // Bounded: past this many distinct programs, start again (each costs the kernel a small mark).
  constexpr std::size_t kMaxRemembered = 16'384;
  if (remembered_ >= kMaxRemembered) forgetAllowed();
  const std::lock_guard lock(marks_);
  if (epoch != epoch_) return;  // judged under a policy that has since changed
  // An ignore mark on the file's inode, dropped by the kernel when the file is modified (no
  // FAN_MARK_IGNORED_SURV_MODIFY). A failure only means the kernel keeps asking.
  if (::fanotify_mark(group_.get(), FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, fd, nullptr) == 0) {
    ++remembered_;
  }
}

void FanotifyExecGuard::run() {
  common::nameThisThread("mamori-exec");
  alignas(fanotify_event_metadata) std::array<char, 8192> buffer{};
  while (!stop_) {
    std::array<pollfd, 2> fds{{{group_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (stop_) break;
    const ssize_t n = ::read(group_.get(), buffer.data(), buffer.size());
    if (n <= 0) continue;
    std::size_t offset = 0;
    while (offset + sizeof(fanotify_event_metadata) <= static_cast<std::size_t>(n)) {
      fanotify_event_metadata event{};
      std::memcpy(&event, buffer.data() + offset, sizeof event);
      if (event.event_len < sizeof event || offset + event.event_len > static_cast<std::size_t>(n)) break;
      offset += event.event_len;
      if (event.fd < 0) continue;  // queue overflow: nothing to answer
      const common::UniqueFd file(event.fd);
      if ((event.mask & FAN_OPEN_EXEC_PERM) == 0) continue;
      if (event.pid == self_) {
        respond(group_.get(), event.fd, true);
        continue;
      }
      ExecRequest request{event.pid, event.fd, pathOf(event.fd)};
      const std::uint64_t started = nowNs();
      std::uint64_t epoch = 0;
      {
        const std::lock_guard lock(marks_);
        epoch = epoch_;
      }
      ExecVerdict verdict;
      try {
        verdict = decide_(request);
      } catch (...) {
        verdict = {};  // an internal error never blocks an exec, and is not remembered
      }
      respond(group_.get(), event.fd, verdict.allow);
      if (verdict.allow && verdict.remember) remember(event.fd, epoch);
      if (answered_) answered_(request, verdict.allow, nowNs() - started);
    }
  }
}

}  // namespace mamori::drivers::linux_os
