#include "drivers/linux/LinuxSandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common/CpuFeatures.h"

namespace mamori::drivers {

namespace {

constexpr int kWorkerChannelFd = 3;  // where the worker finds its end of the socketpair

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// posix_spawn's attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

LinuxSandboxWorker::LinuxSandboxWorker(pid_t pid, common::UniqueFd pidfd, common::UniqueFd socket)
    : SocketSandboxWorker(std::move(socket)), pid_(pid), pidfd_(std::move(pidfd)) {}

LinuxSandboxWorker::~LinuxSandboxWorker() {
  if (!reaped_) stop(std::chrono::milliseconds(0));
}

SandboxExit LinuxSandboxWorker::stop(std::chrono::milliseconds grace) {
  if (reaped_) return exit_;
  channel_.close();  // a worker waiting for a request sees the end and exits
  if (grace.count() > 0) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    while (::poll(&p, 1, static_cast<int>(grace.count())) < 0 && errno == EINTR) {
    }
  }
  // The pidfd names this very process even if it already ended: no reused pid is signalled.
  ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (WIFSIGNALED(status)) {
    exit_ = {true, 0, WTERMSIG(status)};
  } else {
    exit_ = {false, WEXITSTATUS(status), 0};
  }
  pidfd_.reset();
  return exit_;
}

std::int64_t LinuxSandboxWorker::cpuTimeNs() const {
  if (reaped_) return 0;
  // The process CPU clock of our own child: one system call, no /proc parsing.
  clockid_t clock{};
  if (::clock_getcpuclockid(pid_, &clock) != 0) return 0;
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

LinuxSandboxLauncher::LinuxSandboxLauncher(std::string program, std::vector<std::string> args,
                                           std::shared_ptr<SandboxLauncher> fallback)
    : program_(std::move(program)), args_(std::move(args)), fallback_(std::move(fallback)) {}

LinuxSandboxLauncher::~LinuxSandboxLauncher() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
    pending_ = 0;
  }
  changed_.notify_all();
  if (prestarter_.joinable()) prestarter_.join();
  ready_.clear();  // never taken: stopped (killed and reaped) here
}

common::Result<std::unique_ptr<SandboxWorker>> LinuxSandboxLauncher::start() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!ready_.empty()) {
      auto worker = std::move(ready_.back());
      ready_.pop_back();
      return worker;
    }
    if (pending_ > 0) {
      --pending_;  // not begun: started here instead, beside the one the prestart thread is starting
      break;
    }
    if (!starting_) break;
    changed_.wait(lock);
  }
  lock.unlock();
  return spawn();
}

void LinuxSandboxLauncher::prestart(int count) {
  if (count <= 0) return;
  const std::lock_guard lock(mutex_);
  if (closing_) return;
  pending_ += count;
  if (!prestarter_.joinable()) {
    prestarter_ = std::thread([this] { prestartLoop(); });
  } else {
    changed_.notify_all();
  }
}

void LinuxSandboxLauncher::prestartLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // Kept alive until the launcher goes, not only until the last start: the workers it started end
    // with it (their parent-death signal).
    changed_.wait(lock, [this] { return closing_ || pending_ > 0; });
    if (closing_) return;
    --pending_;
    starting_ = true;
    lock.unlock();
    auto worker = spawn();
    lock.lock();
    starting_ = false;
    if (worker) {
      ready_.push_back(std::move(worker).value());
    } else {
      pending_ = 0;  // start() tries again and says why
    }
    changed_.notify_all();
  }
}

int LinuxSandboxLauncher::waiting() const {
  const std::lock_guard lock(mutex_);
  return static_cast<int>(ready_.size());
}

common::Result<std::unique_ptr<SandboxWorker>> LinuxSandboxLauncher::spawn() {
  std::array<int, 2> pair{-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair.data()) != 0)
    return common::makeError(common::ErrorKind::kUnavailable, "cannot make the sandbox socketpair", program_, errno);
  common::UniqueFd parentEnd(pair[0]);
  common::UniqueFd childEnd(pair[1]);

  SpawnSetup setup;
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  // dup2 onto 3 clears close-on-exec (glibc does so even when the numbers are equal).
  posix_spawn_file_actions_adddup2(&setup.actions, childEnd.get(), kWorkerChannelFd);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program_.c_str()));                     // NOLINT: the exec family takes char*
  for (auto& arg : args_) argv.push_back(const_cast<char*>(arg.c_str()));  // NOLINT
  argv.push_back(nullptr);
  // Nothing from the parent's environment reaches the worker but the restriction of its text kernels
  // to portable code (common/CpuFeatures.h), which must hold on both sides of the sandbox.
  static char baselineOnly[] = "MAMORI_CPU_FEATURES=baseline";
  std::array<char*, 2> envp{common::cpuBaselineOnly() ? baselineOnly : nullptr, nullptr};

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program_.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0)
    return common::makeError(common::ErrorKind::kUnavailable, "cannot start the extraction worker", program_, rc);
  childEnd.reset();
  common::UniqueFd pidfd(pidfdOpen(pid));
  if (!pidfd.valid()) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return common::makeError(common::ErrorKind::kUnavailable, "pidfd_open failed for the worker", program_, e);
  }
  return std::unique_ptr<SandboxWorker>(
      std::make_unique<LinuxSandboxWorker>(pid, std::move(pidfd), std::move(parentEnd)));
}

std::shared_ptr<SandboxLauncher> makeExtractionLauncher(const std::string& user, std::int64_t memoryBytes) {
  std::string folder = executableDirectory();
  if (::access((folder + "/mamori-extract").c_str(), X_OK) != 0) folder = "/usr/lib/mamori";
  const std::vector<std::string> args{"--user", user, "--memory", std::to_string(memoryBytes)};
  auto full = std::make_shared<LinuxSandboxLauncher>(folder + "/mamori-extract", args);
  const std::string light = folder + "/mamori-extract-light";
  if (::access(light.c_str(), X_OK) != 0) return full;
  return std::make_shared<LinuxSandboxLauncher>(light, args, std::move(full));
}

std::string executableDirectory() {
  std::array<char, 4096> buffer{};
  const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (n <= 0) return ".";
  std::string path(buffer.data(), static_cast<std::size_t>(n));
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace mamori::drivers
