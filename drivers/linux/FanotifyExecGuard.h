#pragma once
// Decides executions before they happen: a fanotify group of the permission class (its own group,
// not the activity monitor's notification group) with FAN_OPEN_EXEC_PERM on whole filesystems. The
// kernel holds each execve until we answer, so the answering thread is never Qt's main thread and
// every path through it answers: on an internal error, or when the decision overran its budget, the
// answer is "allow" so the PC never hangs. The agent's own executions are always allowed.
//
// A file the decision allowed by what the file alone says (remember) gets an ignore mark on its
// inode: the kernel stops asking about it (the dynamic loader, every known-clean program) until the
// file is modified, which drops the mark, or until forgetAllowed() (a new policy or signature set).
// Every exec of such a file then runs without a round trip to this thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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

struct ExecVerdict {
  bool allow = true;
  bool remember = false;  // allowed by the file alone: the kernel need not ask about it again
};

class FanotifyExecGuard {
 public:
  // Called on the guard's thread; must be quick (the exec waits for it).
  using Decide = std::function<ExecVerdict(const ExecRequest&)>;
  // After each answer (also on the guard's thread): what was decided and how long it took.
  using Answered = std::function<void(const ExecRequest&, bool allowed, std::uint64_t decisionNs)>;

  // Marks the filesystems holding each of paths. Needs CAP_SYS_ADMIN.
  static common::Result<std::unique_ptr<FanotifyExecGuard>> start(const std::vector<std::string>& paths, Decide decide,
                                                                  Answered answered);
  ~FanotifyExecGuard();  // stops the thread; pending executions are allowed by the kernel when the group closes

  // Forget every file remembered as allowed: the kernel asks about each again. Any thread; a
  // decision made before the call and answered after it is not remembered.
  void forgetAllowed();
  std::size_t remembered() const { return remembered_; }

  FanotifyExecGuard(const FanotifyExecGuard&) = delete;
  FanotifyExecGuard& operator=(const FanotifyExecGuard&) = delete;

 private:
  FanotifyExecGuard(common::UniqueFd group, common::UniqueFd wake, Decide decide, Answered answered);
  void run();
  void remember(int fd, std::uint64_t epoch);

  common::UniqueFd group_;
  common::UniqueFd wake_;  // eventfd: tells the thread to stop
  Decide decide_;
  Answered answered_;
  pid_t self_;
  std::atomic<bool> stop_{false};
  std::mutex marks_;                        // orders remembering against forgetting
  std::uint64_t epoch_ = 0;                 // forgetAllowed() calls so far (under marks_)
  std::atomic<std::size_t> remembered_{0};  // ignore marks set since the last forget
  std::thread thread_;
};

}  // namespace mamori::drivers::linux_os
