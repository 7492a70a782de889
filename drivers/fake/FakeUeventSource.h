#pragma once
// An in-memory UeventSource for unit tests: the test pushes uevents, and an eventfd becomes readable
// as the netlink socket would, so the event loop (QSocketNotifier) delivers them to whoever listens.

#include <mutex>
#include <vector>

#include "common/UniqueFd.h"
#include "drivers/include/Uevent.h"

namespace mamori::drivers::fake {

class FakeUeventSource final : public UeventSource {
 public:
  FakeUeventSource();

  // Test side: queued for the next readPending(); fd() turns readable.
  void push(Uevent event);

  int fd() const override { return fd_.get(); }
  common::Result<UeventBatch> readPending() override;

 private:
  common::UniqueFd fd_;
  std::mutex mutex_;
  std::vector<Uevent> pending_;
};

}  // namespace mamori::drivers::fake
