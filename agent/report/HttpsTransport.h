#pragma once
// The real Transport: a worker thread owns the HttpsClient (one keep-alive connection, pinned CA)
// and runs requests one after another; answers go back to the main thread as queued calls. The main
// thread never waits for the network.

#include <QObject>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/report/Transport.h"

namespace mamori::agent {

class HttpsTransport final : public Transport {
 public:
  // Checks URL and CA file now (configuration errors belong to start-up, not to the first upload).
  static common::Result<std::unique_ptr<HttpsTransport>> create(const common::net::HttpsClientOptions& options);
  ~HttpsTransport() override;

  void post(TransportRequest request, TransportCallback done) override;

  // Stops the worker. If a request is still on the wire after the grace time, the thread is left
  // to finish on its own (its answer is dropped); returns false in that case, and the process must
  // then end with _Exit (see main.cpp) rather than run static destructors under it.
  bool stop(int graceMs) override;

 private:
  struct Job {
    TransportRequest request;
    TransportCallback done;
  };
  // Shared with the worker thread, so that an abandoned worker never touches freed memory.
  struct Shared {
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable idle;
    std::deque<Job> jobs;
    bool stopping = false;
    bool busy = false;
    bool deliver = true;          // false once the main side is gone: answers are dropped
    QObject* receiver = nullptr;  // main-thread object answers are queued to; valid while deliver
    std::unique_ptr<common::net::HttpsClient> client;
  };

  explicit HttpsTransport(std::unique_ptr<common::net::HttpsClient> client);
  static void run(const std::shared_ptr<Shared>& shared);

  std::unique_ptr<QObject> receiver_;
  std::shared_ptr<Shared> shared_;
  std::thread worker_;
};

}  // namespace mamori::agent
