#pragma once
// Starts sandbox workers as separate processes: posix_spawn of the worker binary with one end of a
// socketpair as its descriptor 3, stdin on /dev/null, an empty environment and default signals. The
// worker confines itself before it reads a byte (drivers/linux/SandboxConfinement); the parent keeps a
// pidfd so that a stop never signals a reused pid.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

#include "drivers/include/Sandbox.h"
#include "drivers/linux/FramedSocket.h"

namespace mamori::drivers {

class LinuxSandboxWorker : public SocketSandboxWorker {
 public:
  LinuxSandboxWorker(pid_t pid, common::UniqueFd pidfd, common::UniqueFd socket);
  ~LinuxSandboxWorker() override;
  LinuxSandboxWorker(const LinuxSandboxWorker&) = delete;
  LinuxSandboxWorker& operator=(const LinuxSandboxWorker&) = delete;

  SandboxExit stop(std::chrono::milliseconds grace) override;
  std::int64_t cpuTimeNs() const override;

 private:
  pid_t pid_;
  common::UniqueFd pidfd_;
  bool reaped_ = false;
  SandboxExit exit_;
};

class LinuxSandboxLauncher : public SandboxLauncher {
 public:
  // program: the worker binary's absolute path; args: its arguments (argv[1]...); fallback: the
  // launcher of the workers that do what this one's cannot (SandboxLauncher::fallback), or null.
  LinuxSandboxLauncher(std::string program, std::vector<std::string> args,
                       std::shared_ptr<SandboxLauncher> fallback = nullptr);

  ~LinuxSandboxLauncher() override;
  LinuxSandboxLauncher(const LinuxSandboxLauncher&) = delete;
  LinuxSandboxLauncher& operator=(const LinuxSandboxLauncher&) = delete;

  // A prestarted worker when there is one (or one being started: it comes sooner than a new one),
  // else a new one started here.
  common::Result<std::unique_ptr<SandboxWorker>> start() override;
  std::shared_ptr<SandboxLauncher> fallback() const override { return fallback_; }
  // The workers are started one after another on a thread of the launcher's own, which lives as long
  // as the launcher (their parent-death signal follows the thread that started them): the caller goes
  // on at once (posix_spawn waits for the worker's exec, 1-2 ms on a loaded VM).
  void prestart(int count) override;
  const std::string& program() const { return program_; }
  // Prestarted and not taken yet (for tests).
  int waiting() const;

 private:
  common::Result<std::unique_ptr<SandboxWorker>> spawn();
  void prestartLoop();

  std::string program_;
  std::vector<std::string> args_;
  std::shared_ptr<SandboxLauncher> fallback_;
  mutable std::mutex mutex_;  // guards what follows: scan threads take from ready_
  std::condition_variable changed_;
  std::vector<std::unique_ptr<SandboxWorker>> ready_;  // prestarted, not taken yet
  int pending_ = 0;                                    // to be prestarted, not begun
  bool starting_ = false;                              // the prestart thread is starting one
  bool closing_ = false;
  std::thread prestarter_;
};

// The content scanner's extraction workers (docs/decisions/0022, 0062): mamori-extract-light, with
// mamori-extract (the one with libarchive) as its fallback, both confined the same way; the pair beside
// the running program (the build tree, the inspection tool's folder), else the package's
// /usr/lib/mamori/. Where there is no light worker, mamori-extract alone. Started as root, workers
// become user.
std::shared_ptr<SandboxLauncher> makeExtractionLauncher(const std::string& user = "nobody",
                                                        std::int64_t memoryBytes = 2LL << 30);

// The directory of the running executable ("/usr/bin"), for finding a helper binary beside it.
std::string executableDirectory();

}  // namespace mamori::drivers
