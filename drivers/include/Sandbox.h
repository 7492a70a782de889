#pragma once
// A confined helper process that parses untrusted input, and the framed channel to it
// (docs/decisions/0022). The parent starts a worker, sends it frames (a frame may carry one file
// descriptor) and reads frames back under a deadline; a worker that dies or overruns is stopped and
// its end reported. The Linux implementation spawns a separate binary that confines itself
// (drivers/linux/SandboxConfinement); the fake runs the worker's loop on a thread of this process.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "common/UniqueFd.h"

namespace mamori::drivers {

using SandboxClock = std::chrono::steady_clock;

struct SandboxFrame {
  std::string bytes;
  common::UniqueFd fd;  // the descriptor that travelled with the frame, if any
};

// One end of a connection carrying length-prefixed frames. One owner at a time (not thread-safe).
class SandboxChannel {
 public:
  virtual ~SandboxChannel() = default;

  // Sends one frame (after any queued ones); fd >= 0 travels with it. kUnavailable when the other
  // end is gone.
  virtual common::Status send(std::string_view frame, int fd = -1) = 0;

  // Queues a frame for the next flush (sent sooner once many bytes wait): the small answers to one
  // request then cost one system call rather than one each.
  virtual common::Status queue(std::string_view frame) = 0;
  // The same for a frame made of parts, written as if joined: a large part goes to the other end
  // from where it lies instead of being copied into the queue first (a document's text).
  virtual common::Status queueParts(std::span<const std::string_view> parts) = 0;
  virtual common::Status flush() = 0;

  // The next frame, waiting until deadline (none: without a bound). kTimedOut past the deadline,
  // kUnavailable when the other end closed (a dead worker), kTooLarge for a frame above maxBytes.
  virtual common::Result<SandboxFrame> receive(std::optional<SandboxClock::time_point> deadline,
                                               std::size_t maxBytes) = 0;
  // The same without a copy: the frame's bytes where the channel read them, valid until the next
  // call on this channel; a descriptor that travelled with the frame is handed to fd.
  virtual common::Result<std::string_view> receiveView(std::optional<SandboxClock::time_point> deadline,
                                                       std::size_t maxBytes, common::UniqueFd& fd) = 0;
};

// How a worker ended.
struct SandboxExit {
  bool signaled = false;
  int code = 0;    // exit status when not signaled
  int signal = 0;  // the terminating signal when signaled
};

// The parent's side of one worker process.
class SandboxWorker : public SandboxChannel {
 public:
  // Waits up to grace for the worker to end by itself (it closed its end: it is exiting), then kills
  // it, reaps it and says how it ended. Called once; the channel is closed afterwards.
  virtual SandboxExit stop(std::chrono::milliseconds grace) = 0;

  // CPU time the worker has used so far (user and system), nanoseconds; 0 when it cannot be read.
  virtual std::int64_t cpuTimeNs() const = 0;
};

class SandboxLauncher {
 public:
  virtual ~SandboxLauncher() = default;
  // A new worker, ready for frames. kUnavailable when it cannot be started.
  virtual common::Result<std::unique_ptr<SandboxWorker>> start() = 0;
  // The launcher of the workers that do what this one's cannot, or null when this one's do all of it.
  // The extraction sandbox (docs/decisions/0062): this one starts the light worker, which has no
  // libarchive; the fallback starts the full one, for the documents that need it, confined the same way.
  virtual std::shared_ptr<SandboxLauncher> fallback() const { return nullptr; }
  // Starts up to count workers now, in the background of whatever the caller does next, for the next
  // start() calls (from any thread) to take (docs/decisions/0062, second addendum). Those never taken
  // are stopped when the launcher goes. Call it from a thread that outlives the workers' use: a worker
  // ends with the thread that started it (its parent-death signal). By default nothing.
  virtual void prestart(int count) { (void)count; }
};

}  // namespace mamori::drivers
