#pragma once
// The desktop in tests: every notice is recorded instead of shown. Thread-safe, like the agent's
// sink chain that calls it.

#include <mutex>
#include <string>
#include <vector>

#include "drivers/include/DesktopNotifier.h"

namespace mamori::drivers::fake {

class FakeDesktopNotifier final : public DesktopNotifier {
 public:
  struct Notice {
    std::string summary;
    std::string body;
  };

  void notify(const std::string& summary, const std::string& body) override {
    const std::lock_guard lock(mutex_);
    shown_.push_back({summary, body});
  }

  // Every notice so far, oldest first.
  std::vector<Notice> shown() const {
    const std::lock_guard lock(mutex_);
    return shown_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Notice> shown_;
};

}  // namespace mamori::drivers::fake
