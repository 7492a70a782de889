#pragma once
// Starts sandbox workers as separate processes: posix_spawn of the worker binary with one end of a
// socketpair as its descriptor 3, stdin on /dev/null, an empty environment and default signals. The
// worker confines itself before it reads a byte (drivers/linux/SandboxConfinement); the parent keeps a
// pidfd so that a stop never signals a reused pid.

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
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

  common::Result<std::unique_ptr<SandboxWorker>> start() override;
  std::shared_ptr<SandboxLauncher> fallback() const override { return fallback_; }
  const std::string& program() const { return program_; }

 private:
  std::string program_;
  std::vector<std::string> args_;
  std::shared_ptr<SandboxLauncher> fallback_;
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
