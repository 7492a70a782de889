#pragma once
// One simulated mamori-agent with the real agent's habits (agent/report): enrolls with the secret
// (retried with full-jitter backoff and Retry-After, never giving up), then sends a heartbeat at
// once and every interval +-jitter, spools a batch of events every batch interval and uploads the
// spool in batches over one keep-alive TLS connection; a failed upload keeps the events and is
// retried by the same backoff; the connection is closed when the spool is drained and only a
// heartbeat is due (unless --keep-connections). Events and bodies are made by the agent's own code.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "agent/report/EventFactory.h"
#include "bench/fleet/FleetContext.h"
#include "bench/fleet/HttpConnection.h"
#include "common/Backoff.h"
#include "common/Clock.h"

namespace mamori::bench {

class SimAgent {
 public:
  SimAgent(FleetContext& context, int index);

  boost::asio::awaitable<void> run();

  bool enrolled() const { return !nodeKey_.empty(); }
  std::size_t spooled() const { return spool_.size(); }
  std::int64_t made() const { return made_; }
  // Events made before the collector returned must all be acknowledged to count as drained.
  void setDrainTarget(std::int64_t made);

 private:
  using Clock = FleetContext::Clock;

  boost::asio::awaitable<SimResponse> send(RequestKind kind, SimRequest request);
  boost::asio::awaitable<void> sleepUntil(Clock::time_point when);
  boost::asio::awaitable<bool> enroll();
  // Sends the spool batch by batch; on a failure returns when to try again.
  boost::asio::awaitable<std::optional<Clock::time_point>> upload();
  boost::asio::awaitable<void> heartbeat();
  void spoolBatch();
  void acknowledged(std::size_t count);
  Clock::time_point retryAt(const SimResponse& response);
  Clock::duration heartbeatInterval();

  FleetContext& context_;
  std::string agentId_;
  std::string host_;
  common::SystemClock clock_;
  agent::EventFactory events_;
  common::Backoff backoff_;
  HttpConnection connection_;
  std::string nodeKey_;
  std::deque<std::string> spool_;
  std::int64_t made_ = 0;
  std::int64_t acked_ = 0;
  std::optional<std::int64_t> drainTarget_;
};

}  // namespace mamori::bench
