#include "collector/store/SessionPool.h"

#include <Poco/Exception.h>

namespace mamori::collector::store {

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(std::move(session_), discarded_);
}

SessionPool::SessionPool(Factory factory, std::size_t maxSessions)
    : factory_(std::move(factory)), maxSessions_(maxSessions == 0 ? 1 : maxSessions) {}

SessionPool::~SessionPool() {
  std::lock_guard lock(mutex_);
  for (auto& session : idle_) {
    try {
      session.close();
    } catch (...) {  // closing a broken connection may throw; nothing to do about it at exit
    }
  }
  idle_.clear();
}

common::Result<SessionPool::Lease> SessionPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || open_ < maxSessions_; });
    if (!idle_.empty()) {
      Poco::Data::Session session = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(session));
    }
    ++open_;  // reserve the slot, open outside the lock (connecting may take a while)
  }
  try {
    return Lease(this, factory_());
  } catch (const Poco::Exception& e) {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
    return common::makeError("cannot open a database connection: " + e.displayText(), "database");
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
    return common::makeError(std::string("cannot open a database connection: ") + e.what(), "database");
  }
}

void SessionPool::release(Poco::Data::Session session, bool discarded) {
  std::lock_guard lock(mutex_);
  if (discarded) {
    --open_;
    try {
      session.close();
    } catch (...) {  // the connection is already broken; dropping it is all we want
    }
  } else {
    idle_.push_back(std::move(session));
  }
  available_.notify_one();
}

}  // namespace mamori::collector::store
