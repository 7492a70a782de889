#include "bench/fleet/SimAgent.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <vector>

#include "agent/report/Enrollment.h"
#include "common/EventJson.h"
#include "common/Gzip.h"
#include "common/RetryAfter.h"
#include "common/Uuid7.h"

namespace mamori::bench {

namespace asio = boost::asio;

namespace {

std::string makeAgentId() {
  static common::Uuid7Generator ids;
  return ids.next(common::SystemClock().nowMs());
}

std::string hostName(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "sim-pc-%05d", index);
  return name;
}

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

// Agent i's own PC address when the fleet has more than one: 127.1.0.1, 127.1.0.2, ... (all of
// 127.0.0.0/8 is loopback on Linux, no configuration needed).
std::optional<asio::ip::address> agentSource(int hosts, int index) {
  if (hosts <= 1) return std::nullopt;
  const auto n = static_cast<std::uint32_t>(index % hosts) + 1;
  return asio::ip::address_v4((127u << 24) | (1u << 16) | n);
}

}  // namespace

SimAgent::SimAgent(FleetContext& context, int index)
    : context_(context),
      agentId_(makeAgentId()),
      host_(hostName(index)),
      events_(agentId_, host_, clock_),
      backoff_(common::BackoffSettings{context.options.retryBaseMs, context.options.retryCapMs},
               [&context](std::int64_t hi) { return context.uniformInt(hi); }),
      connection_(context.executor, context.tls, context.endpoint,
                  std::chrono::milliseconds(static_cast<std::int64_t>(context.options.requestTimeoutS * 1000)),
                  std::chrono::milliseconds(static_cast<std::int64_t>(context.options.keepAliveIdleS * 1000)),
                  agentSource(context.options.agentHosts, index)) {}

void SimAgent::setDrainTarget(std::int64_t made) {
  drainTarget_ = made;
  if (acked_ >= made) context_.agentCaughtUp();
}

asio::awaitable<void> SimAgent::sleepUntil(Clock::time_point when) {
  if (when <= Clock::now()) co_return;
  asio::steady_timer timer(context_.executor, when);
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<SimResponse> SimAgent::send(RequestKind kind, SimRequest request) {
  const Phase phase = context_.phase;
  SimResponse response = co_await connection_.request(std::move(request));
  context_.stats.record(kind, phase, response.outcome, response.micros);
  co_return response;
}

FleetContext::Clock::time_point SimAgent::retryAt(const SimResponse& response) {
  std::optional<std::int64_t> retryAfter;
  if (response.outcome == Outcome::Throttled && !response.retryAfter.empty()) {
    retryAfter = common::parseRetryAfterMs(response.retryAfter, clock_.nowMs());
  }
  return Clock::now() + std::chrono::milliseconds(backoff_.nextDelayMs(retryAfter));
}

FleetContext::Clock::duration SimAgent::heartbeatInterval() {
  const double jitter = context_.options.heartbeatJitter;
  return seconds(context_.options.heartbeatS * context_.uniform(1 - jitter, 1 + jitter));
}

asio::awaitable<bool> SimAgent::enroll() {
  agent::EnrollFacts facts;
  facts.agentId = agentId_;
  facts.host = host_;
  facts.os = "Debian GNU/Linux 12 (simulated)";
  facts.agentVersion = "0.1.0-sim";
  for (;;) {
    if (context_.runEnded()) co_return false;
    SimRequest request;
    request.target = "/api/v1/enroll";
    request.body = agent::makeEnrollBody(context_.enrollSecret, facts);
    request.headers = {{"Content-Type", "application/json"}};
    const SimResponse response = co_await send(RequestKind::Enroll, std::move(request));
    if (response.outcome == Outcome::Ok) {
      auto key = agent::parseEnrollAnswer(response.body, agentId_);
      if (key) {
        nodeKey_ = std::move(key).value();
        backoff_.reset();
        ++context_.stats.enrolled;
        co_return true;
      }
    }
    co_await sleepUntil(std::min(retryAt(response), context_.runEnd));
  }
}

void SimAgent::spoolBatch() {
  for (int i = 0; i < context_.options.batchEvents; ++i) {
    auto details = agent::makeDetails();
    details->set("file.path",
                 "/home/user" + std::to_string(made_ % 50) + "/Documents/report-" + std::to_string(made_) + ".docx");
    details->set("file.size", 48'213 + made_);
    details->set("device.vendor_id", "0781");
    details->set("device.product_id", "5581");
    details->set("policy.rule", "removable-media-audit");
    common::Event event = events_.make("activity.removable_write", common::Severity::Low, details);
    event.user = "user" + std::to_string(made_ % 50);
    spool_.push_back(common::eventToJson(event));
    ++made_;
  }
  context_.stats.eventsMade += context_.options.batchEvents;
  context_.stats.spoolPeak = std::max<std::int64_t>(context_.stats.spoolPeak, static_cast<std::int64_t>(spool_.size()));
}

void SimAgent::acknowledged(std::size_t count) {
  spool_.erase(spool_.begin(), spool_.begin() + static_cast<std::ptrdiff_t>(count));
  acked_ += static_cast<std::int64_t>(count);
  context_.stats.eventsAcked += static_cast<std::int64_t>(count);
  if (drainTarget_ && acked_ >= *drainTarget_ && acked_ - static_cast<std::int64_t>(count) < *drainTarget_) {
    context_.agentCaughtUp();
  }
}

asio::awaitable<void> SimAgent::heartbeat() {
  auto details = agent::makeDetails();
  details->set("agent.version", "0.1.0-sim");
  details->set("agent.heartbeat_interval_ms", static_cast<std::int64_t>(context_.options.heartbeatS * 1000));
  details->set("agent.spool.events", static_cast<std::int64_t>(spool_.size()));
  details->set("agent.spool.bytes", static_cast<std::int64_t>(spool_.size() * 400));
  details->set("host.os.name", "Debian GNU/Linux 12 (simulated)");
  details->set("host.os.kernel", "6.1.0-sim");
  SimRequest request;
  request.target = "/api/v1/heartbeat";
  request.body = common::eventToJson(events_.make("agent.heartbeat", common::Severity::Info, details));
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + nodeKey_}};
  request.closeAfter = context_.options.closeWhenDrained && spool_.empty();
  co_await send(RequestKind::Heartbeat, std::move(request));  // not retried: the next interval sends a fresh one
}

asio::awaitable<std::optional<FleetContext::Clock::time_point>> SimAgent::upload() {
  while (!spool_.empty()) {
    const std::size_t count =
        std::min<std::size_t>(spool_.size(), static_cast<std::size_t>(context_.options.maxBatchEvents));
    std::vector<std::string> lines(spool_.begin(), spool_.begin() + static_cast<std::ptrdiff_t>(count));
    SimRequest request;
    request.target = "/api/v1/events";
    request.body = common::gzipCompress(common::makeBatchBody(lines));
    request.headers = {
        {"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}, {"Authorization", "Bearer " + nodeKey_}};
    // The last batch of a drained spool: nothing but a heartbeat follows, so let the connection go.
    request.closeAfter = context_.options.closeWhenDrained && count == spool_.size();
    const SimResponse response = co_await send(RequestKind::Events, std::move(request));
    if (response.outcome == Outcome::Http4xx) {
      acknowledged(count);  // the agent sets such a batch aside for good (counted as failed)
      continue;
    }
    if (response.outcome != Outcome::Ok) co_return retryAt(response);  // kept, retried after the backoff
    acknowledged(count);
    backoff_.reset();
  }
  co_return std::nullopt;
}

asio::awaitable<void> SimAgent::run() {
  const auto& o = context_.options;
  co_await sleepUntil(context_.start + seconds(context_.uniform(0, o.rampS)));
  if (!co_await enroll()) co_return;
  auto nextHeartbeat = Clock::now();  // the agent sends one right after enrolling
  auto nextBatch = Clock::now() + seconds(context_.uniform(0, o.batchIntervalS));
  auto nextUpload = Clock::now();
  for (;;) {
    const bool running = !context_.runEnded();
    if (!running && (spool_.empty() || context_.drainEnded())) break;
    const auto now = Clock::now();
    if (running && now >= nextBatch) {
      spoolBatch();
      nextBatch = now + seconds(o.batchIntervalS);
    }
    if (!spool_.empty() && now >= nextUpload) {
      if (auto retry = co_await upload()) nextUpload = *retry;
    }
    if (running && Clock::now() >= nextHeartbeat) {
      co_await heartbeat();
      nextHeartbeat = Clock::now() + heartbeatInterval();
    }
    if (!running && spool_.empty()) continue;  // drained after the run: done (checked at the top)
    auto wake = running ? std::min(nextBatch, nextHeartbeat) : context_.drainEnd;
    if (!spool_.empty()) wake = std::min(wake, nextUpload);
    if (running) wake = std::min(wake, context_.runEnd);
    co_await sleepUntil(wake);
  }
  connection_.close();
}

}  // namespace mamori::bench
