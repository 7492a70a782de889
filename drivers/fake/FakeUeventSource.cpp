#include "drivers/fake/FakeUeventSource.h"

#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <sys/eventfd.h>

namespace mamori::drivers::fake {

FakeUeventSource::FakeUeventSource() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!fd_.valid()) throw std::runtime_error("FakeUeventSource: eventfd failed");  // a broken test machine
}

void FakeUeventSource::push(Uevent event) {
  const std::lock_guard lock(mutex_);
  pending_.push_back(std::move(event));
  const std::uint64_t one = 1;
  (void)!::write(fd_.get(), &one, sizeof one);
}

common::Result<UeventBatch> FakeUeventSource::readPending() {
  const std::lock_guard lock(mutex_);
  std::uint64_t count = 0;
  (void)!::read(fd_.get(), &count, sizeof count);  // EAGAIN when nothing was pushed: an empty batch
  UeventBatch batch;
  batch.events.swap(pending_);
  return batch;
}

}  // namespace mamori::drivers::fake
