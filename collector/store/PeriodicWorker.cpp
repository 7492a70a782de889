#include "collector/store/PeriodicWorker.h"

namespace mamori::collector::store {

PeriodicWorker::PeriodicWorker(std::chrono::milliseconds firstDelay, Job job)
    : firstDelay_(firstDelay), job_(std::move(job)) {}

PeriodicWorker::~PeriodicWorker() { stop(); }

void PeriodicWorker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void PeriodicWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicWorker::run() {
  auto delay = firstDelay_;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, delay, [this] { return stopping_; })) {
    lock.unlock();
    delay = job_();
    lock.lock();
  }
}

}  // namespace mamori::collector::store
