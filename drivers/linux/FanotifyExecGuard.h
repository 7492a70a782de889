#pragma once
// Decides executions before they happen: a fanotify group of the permission class (its own group,
// not the activity monitor's notification group) with FAN_OPEN_EXEC_PERM on whole filesystems. The
// kernel holds each execve until we answer, so the answering thread is never Qt's main thread and
// every path through it answers: on an internal error, or when the decision overran its budget, the
// answer is "allow" so the PC never hangs. The agent's own executions are always allowed.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

#include "common/Result.h"
#include "common/UniqueFd.h"

namespace mamori::drivers::linux_os {

struct ExecRequest {
  pid_t pid = 0;     // the process calling execve (still running its old program)
  int fd = -1;       // the file about to run (read-only; owned by the guard)
  std::string path;  // its path as the kernel names it
};

class FanotifyExecGuard {
 public:
  // true = allow. Called on the guard's thread; must be quick (the exec waits for it).
  using Decide = std::function<bool(const ExecRequest&)>;
  // After each answer (also on the guard's thread): what was decided and how long it took.
  using Answered = std::function<void(const ExecRequest&, bool allowed, std::uint64_t decisionNs)>;

  // Marks the filesystems holding each of paths. Needs CAP_SYS_ADMIN.
  static common::Result<std::unique_ptr<FanotifyExecGuard>> start(const std::vector<std::string>& paths, Decide decide,
                                                                  Answered answered);
  ~FanotifyExecGuard();  // stops the thread; pending executions are allowed by the kernel when the group closes

  FanotifyExecGuard(const FanotifyExecGuard&) = delete;
  FanotifyExecGuard& operator=(const FanotifyExecGuard&) = delete;

 private:
  FanotifyExecGuard(common::UniqueFd group, common::UniqueFd wake, Decide decide, Answered answered);
  void run();

  common::UniqueFd group_;
  common::UniqueFd wake_;  // eventfd: tells the thread to stop
  Decide decide_;
  Answered answered_;
  pid_t self_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mamori::drivers::linux_os
