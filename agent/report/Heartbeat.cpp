#include "agent/report/Heartbeat.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "common/Backoff.h"
#include "common/Clock.h"
#include "common/EventJson.h"
#include "common/Log.h"

namespace mamori::agent {

Heartbeat::Heartbeat(Transport& transport, IdentityStore& identity, const Spool& spool, EventFactory& events,
                     HeartbeatFacts facts, std::int64_t intervalMs, QObject* parent, Uniform uniform)
    : QObject(parent),
      transport_(transport),
      identity_(identity),
      spool_(spool),
      events_(events),
      facts_(std::move(facts)),
      intervalMs_(intervalMs),
      uniform_(std::move(uniform)) {
  if (!uniform_) uniform_ = common::makeRandomUniform();
  timer_.setSingleShot(true);
  connect(&timer_, &QTimer::timeout, this, &Heartbeat::onTimer);
}

void Heartbeat::start() {
  stopped_ = false;
  scheduleNext(true);
}

void Heartbeat::scheduleNext(bool first) {
  const std::int64_t interval = std::max<std::int64_t>(intervalMs_, 1);
  const std::int64_t spread = interval * kJitterPercent / 100;
  const std::int64_t draw =
      std::clamp<std::int64_t>(uniform_(first ? interval : 2 * spread), 0, first ? interval : 2 * spread);
  const std::int64_t delay = first ? draw : interval - spread + draw;
  timer_.start(static_cast<int>(std::clamp<std::int64_t>(delay, 1, INT_MAX)));
}

void Heartbeat::onTimer() {
  if (stopped_) return;
  scheduleNext(false);
  sendNow();
}

void Heartbeat::setInterval(std::int64_t intervalMs) {
  if (intervalMs == intervalMs_) return;
  intervalMs_ = intervalMs;
  if (timer_.isActive()) scheduleNext(false);
}

void Heartbeat::setPolicyStatus(PolicyStatus status) {
  policy_ = std::move(status);
  sendNow();
}

void Heartbeat::setContentSets(std::vector<ContentSetStatus> sets) {
  contentSets_ = std::move(sets);
  sendNow();
}

void Heartbeat::stop() {
  stopped_ = true;
  timer_.stop();
}

common::Event Heartbeat::makeEvent() {
  auto details = makeDetails();
  details->set("agent.version", facts_.agentVersion);
  details->set("agent.heartbeat_interval_ms", intervalMs_);
  details->set("agent.spool.events", spool_.eventCount());
  details->set("agent.spool.bytes", spool_.byteCount());
  details->set("host.os.name", facts_.osName);
  details->set("host.os.kernel", facts_.kernel);
  if (policy_) {
    details->set("policy.version", policy_->version);
    details->set("policy.sha256", policy_->sha256);
    details->set("policy.name", policy_->name);
    details->set("policy.source", policy_->source);
    if (policy_->appliedAtMs > 0) details->set("policy.applied_at", common::formatUtcMs(policy_->appliedAtMs));
    if (!policy_->error.empty()) details->set("policy.error", policy_->error);
  }
  if (contentSets_) {
    Poco::JSON::Array::Ptr sets = new Poco::JSON::Array;
    for (const auto& set : *contentSets_) {
      Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      item->set("kind", set.kind);
      item->set("name", set.name);
      item->set("version", set.version);
      item->set("entries", set.entries);
      item->set("bytes", set.bytes);
      if (set.refusedVersion > 0) item->set("refused_version", set.refusedVersion);
      if (!set.error.empty()) item->set("error", set.error);
      sets->add(item);
    }
    details->set("content.sets", sets);
  }
  return events_.make("agent.heartbeat", common::Severity::Info, details);
}

void Heartbeat::sendNow() {
  if (inFlight_) {
    sendAgain_ = true;
    return;
  }
  if (stopped_ || identity_.identity().nodeKey.empty()) return;
  inFlight_ = true;
  TransportRequest request;
  request.path = "/api/v1/heartbeat";
  request.body = common::eventToJson(makeEvent());
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + identity_.identity().nodeKey}};
  request.closeAfter = spool_.eventCount() == 0;  // nothing to upload: the next request is a heartbeat away
  transport_.post(std::move(request), [this](const TransportResult& result) {
    inFlight_ = false;
    const int status = result ? result.value().status : 0;
    if (status == 200) {
      ++sent_;
      if (lastStatus_ != 200) common::log::info("heartbeat: the collector answers again");
      common::log::debug("heartbeat sent");
    } else if (status != lastStatus_) {
      // Log changes only: an unreachable collector must not fill the journal once a minute.
      common::log::warning("heartbeat failed: " +
                           (result ? "HTTP " + std::to_string(status) : result.error().describe()));
    }
    lastStatus_ = status;
    if (std::exchange(sendAgain_, false)) sendNow();
  });
}

}  // namespace mamori::agent
