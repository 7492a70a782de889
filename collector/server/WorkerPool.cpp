#include "collector/server/WorkerPool.h"

#include <algorithm>

namespace mamori::collector::server {

WorkerPool::WorkerPool(int threads, std::size_t capacity, std::function<void(std::size_t)> onDepth)
    : capacity_(std::max<std::size_t>(1, capacity)), onDepth_(std::move(onDepth)) {
  const int count = std::max(1, threads);
  threads_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::tryPost(std::function<void()>& job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(job));
    if (onDepth_) onDepth_(queue_.size());
  }
  wake_.notify_one();
  return true;
}

std::size_t WorkerPool::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkerPool::run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
      if (onDepth_) onDepth_(queue_.size());
    }
    job();  // jobs catch their own exceptions (HttpConnection's dispatch does)
  }
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace mamori::collector::server
