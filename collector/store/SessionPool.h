#pragma once
// A small pool of Poco::Data sessions. Our own rather than Poco's SessionPool because every new
// connection needs set-up statements (SQLite pragmas), and a connection that failed mid-statement
// (PostgreSQL restarted) must be dropped rather than handed to the next request.

#include <Poco/Data/Session.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/Result.h"

namespace mamori::collector::store {

class SessionPool {
 public:
  // Opens and prepares one new session; may throw Poco exceptions (turned into Error by acquire).
  using Factory = std::function<Poco::Data::Session()>;

  class Lease {
   public:
    Lease(SessionPool* pool, Poco::Data::Session session) : pool_(pool), session_(std::move(session)) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), session_(std::move(other.session_)) { other.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Poco::Data::Session& session() { return session_; }
    // The connection is suspect (an error happened on it): close it instead of reusing it.
    void discard() { discarded_ = true; }

   private:
    SessionPool* pool_;
    Poco::Data::Session session_;
    bool discarded_ = false;
  };

  SessionPool(Factory factory, std::size_t maxSessions);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // Blocks while maxSessions are in use.
  common::Result<Lease> acquire();

 private:
  void release(Poco::Data::Session session, bool discarded);

  Factory factory_;
  std::size_t maxSessions_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Poco::Data::Session> idle_;
  std::size_t open_ = 0;  // idle + leased
};

}  // namespace mamori::collector::store
