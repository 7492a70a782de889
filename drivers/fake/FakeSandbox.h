#pragma once
// Sandbox workers as threads of this process, for fast unit tests: the worker's loop (a function
// given by the test) runs on its own thread over a real socketpair with the same framing as the Linux
// workers, but nothing is confined. What the function returns is how the "worker" ended, so a test
// can play a crash (return {true, 0, SIGSEGV} after closing the channel) without one.

#include <functional>
#include <thread>

#include "drivers/include/Sandbox.h"
#include "drivers/linux/FramedSocket.h"

namespace mamori::drivers {

using FakeWorkerLoop = std::function<SandboxExit(SandboxChannel& channel)>;

class FakeSandboxWorker : public SocketSandboxWorker {
 public:
  FakeSandboxWorker(common::UniqueFd parentEnd, common::UniqueFd workerEnd, const FakeWorkerLoop& loop);
  ~FakeSandboxWorker() override;
  FakeSandboxWorker(const FakeSandboxWorker&) = delete;
  FakeSandboxWorker& operator=(const FakeSandboxWorker&) = delete;

  SandboxExit stop(std::chrono::milliseconds grace) override;
  std::int64_t cpuTimeNs() const override { return 0; }  // a thread of this process: already counted

 private:
  SandboxExit exit_;
  std::thread thread_;
  bool stopped_ = false;
};

class FakeSandboxLauncher : public SandboxLauncher {
 public:
  // fallback: what SandboxLauncher::fallback() answers (a light worker's full one), or null.
  explicit FakeSandboxLauncher(FakeWorkerLoop loop, std::shared_ptr<SandboxLauncher> fallback = nullptr)
      : loop_(std::move(loop)), fallback_(std::move(fallback)) {}
  common::Result<std::unique_ptr<SandboxWorker>> start() override;
  std::shared_ptr<SandboxLauncher> fallback() const override { return fallback_; }
  int started() const { return started_; }

 private:
  FakeWorkerLoop loop_;
  std::shared_ptr<SandboxLauncher> fallback_;
  int started_ = 0;
};

}  // namespace mamori::drivers
