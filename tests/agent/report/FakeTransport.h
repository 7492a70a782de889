#pragma once
// A scripted Transport: records each request and lets the test answer it when it chooses (never
// from inside post(), like the real one).

#include <deque>
#include <string>
#include <utility>

#include "agent/report/Transport.h"

namespace mamori::agent::test {

class FakeTransport final : public Transport {
 public:
  struct Pending {
    TransportRequest request;
    TransportCallback done;
  };

  void post(TransportRequest request, TransportCallback done) override {
    pending_.push_back({std::move(request), std::move(done)});
  }

  bool hasPending() const { return !pending_.empty(); }
  std::size_t pendingCount() const { return pending_.size(); }
  const TransportRequest& front() const { return pending_.front().request; }

  // Answers the oldest request with an HTTP status (and a Retry-After or ETag header if one is given).
  void answer(int status, std::string body = "{}", std::string retryAfter = {}, std::string etag = {}) {
    auto next = take();
    common::net::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.retryAfter = std::move(retryAfter);
    response.etag = std::move(etag);
    next.done(response);
  }
  // Answers the oldest request with a network failure.
  void failNetwork() {
    auto next = take();
    next.done(common::makeError("cannot reach the collector: Connection refused", "https://fake"));
  }

 private:
  Pending take() {
    Pending next = std::move(pending_.front());
    pending_.pop_front();
    return next;
  }
  std::deque<Pending> pending_;
};

}  // namespace mamori::agent::test
