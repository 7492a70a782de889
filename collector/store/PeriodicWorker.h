#pragma once
// The collector's background jobs (retention, audit checkpoints, weekly reports) each run on one
// thread of their own: first after a delay, then again after the delay each run returns. stop()
// wakes the thread at once and waits for a run in progress to end.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace mamori::collector::store {

class PeriodicWorker {
 public:
  // One run; returns how long to wait before the next.
  using Job = std::function<std::chrono::milliseconds()>;

  PeriodicWorker(std::chrono::milliseconds firstDelay, Job job);
  ~PeriodicWorker();  // stop()
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  // Starts the thread (once; not after stop()).
  void start();
  void stop();

 private:
  void run();

  std::chrono::milliseconds firstDelay_;
  Job job_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mamori::collector::store
