#pragma once
// An in-memory FileActivitySource for unit tests: the test pushes events and sets the mount table.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>

#include "drivers/include/FileActivity.h"

namespace mamori::drivers::fake {

class FakeFileActivitySource final : public FileActivitySource {
 public:
  common::Status watch(const std::vector<std::string>& roots) override {
    const std::lock_guard lock(mutex_);
    roots_ = roots;
    ++watchCalls_;
    return common::Ok{};
  }
  void stop() override {
    const std::lock_guard lock(mutex_);
    queue_.clear();
  }
  std::optional<FileActivity> next(int timeoutMs) override {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    FileActivity activity = std::move(queue_.front());
    queue_.pop_front();
    return activity;
  }
  std::vector<MountEntry> mounts() const override {
    const std::lock_guard lock(mutex_);
    return mounts_;
  }
  FileActivityCounters counters() const override { return {}; }
  bool processRunning(pid_t pid) const override {
    const std::lock_guard lock(mutex_);
    return running_.contains(pid);
  }

  void push(FileActivity activity) {
    const std::lock_guard lock(mutex_);
    queue_.push_back(std::move(activity));
    ready_.notify_all();
  }
  // Processes the test says are still running (none by default).
  void setRunning(pid_t pid, bool running) {
    const std::lock_guard lock(mutex_);
    if (running) {
      running_.insert(pid);
    } else {
      running_.erase(pid);
    }
  }
  void setMounts(std::vector<MountEntry> mounts) {
    const std::lock_guard lock(mutex_);
    mounts_ = std::move(mounts);
  }
  std::vector<std::string> roots() const {
    const std::lock_guard lock(mutex_);
    return roots_;
  }
  int watchCalls() const {
    const std::lock_guard lock(mutex_);
    return watchCalls_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<FileActivity> queue_;
  std::vector<MountEntry> mounts_;
  std::vector<std::string> roots_;
  std::set<pid_t> running_;
  int watchCalls_ = 0;
};

}  // namespace mamori::drivers::fake
