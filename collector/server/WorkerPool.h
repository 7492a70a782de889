#pragma once
// The threads that run CollectorApi::handle, fed by a bounded queue. The event loop never waits for
// them: tryPost refuses at once when the queue is full, and the caller answers 503.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mamori::collector::server {

class WorkerPool {
 public:
  // onDepth is called with the queue depth after each change, under the queue's lock (keep it cheap:
  // it sets a gauge).
  WorkerPool(int threads, std::size_t capacity, std::function<void(std::size_t)> onDepth = {});
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues job; false (and job untouched) when capacity jobs are already waiting or the pool stopped.
  bool tryPost(std::function<void()>& job);
  std::size_t depth() const;
  std::size_t capacity() const { return capacity_; }
  // Runs what is queued, then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  const std::size_t capacity_;
  std::function<void(std::size_t)> onDepth_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mamori::collector::server
