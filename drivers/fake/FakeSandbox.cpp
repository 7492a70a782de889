#include "drivers/fake/FakeSandbox.h"

#include <array>
#include <cerrno>
#include <sys/socket.h>

namespace mamori::drivers {

FakeSandboxWorker::FakeSandboxWorker(common::UniqueFd parentEnd, common::UniqueFd workerEnd, const FakeWorkerLoop& loop)
    : SocketSandboxWorker(std::move(parentEnd)) {
  thread_ = std::thread([this, loop, end = std::make_shared<common::UniqueFd>(std::move(workerEnd))]() mutable {
    SandboxExit how;
    {
      FramedSocket workerChannel(std::move(*end));
      how = loop(workerChannel);
    }  // the worker's end closes here, as a process's would at exit
    exit_ = how;
  });
}

FakeSandboxWorker::~FakeSandboxWorker() {
  if (!stopped_) stop(std::chrono::milliseconds(0));
}

SandboxExit FakeSandboxWorker::stop(std::chrono::milliseconds /*grace*/) {
  if (stopped_) return exit_;
  channel_.close();  // the loop's next receive sees the end
  thread_.join();
  stopped_ = true;
  return exit_;
}

common::Result<std::unique_ptr<SandboxWorker>> FakeSandboxLauncher::start() {
  std::array<int, 2> pair{-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair.data()) != 0)
    return common::makeError(common::ErrorKind::kUnavailable, "cannot make the fake sandbox socketpair", {}, errno);
  ++started_;
  return std::unique_ptr<SandboxWorker>(
      std::make_unique<FakeSandboxWorker>(common::UniqueFd(pair[0]), common::UniqueFd(pair[1]), loop_));
}

}  // namespace mamori::drivers
