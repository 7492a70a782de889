#include "collector/siem/Forwarder.h"

#include "common/Log.h"

namespace mamori::collector::siem {

namespace {
constexpr std::int64_t kLagCap = 100'000'000;
constexpr std::int64_t kLagEveryMs = 1000;
}  // namespace

Forwarder::Forwarder(SinkConfig config, std::unique_ptr<Sink> sink, std::unique_ptr<ForwardStore> store,
                     ForwarderSettings settings, const common::Clock& clock)
    : config_(std::move(config)),
      sink_(std::move(sink)),
      store_(std::move(store)),
      settings_(std::move(settings)),
      clock_(clock),
      backoff_(settings_.backoff),
      worker_(std::chrono::milliseconds(0), [this] { return round(); }) {
  status_.name = config_.name;
}

Forwarder::~Forwarder() { stop(); }

void Forwarder::start() {
  started_ = true;
  worker_.start();
}

void Forwarder::stop() {
  worker_.stop();
  if (started_ && !confirmed_) {
    confirmed_ = true;
    confirmSent();
  }
}

SinkStatus Forwarder::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void Forwarder::fail(const common::Error& error) {
  // Whatever was sent but not acknowledged is sent again from the cursor.
  sent_ = acked_;
  unsettled_ = 0;
  sentCount_ = 0;
  const std::string text = error.describe();
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    ++status_.errors;
    changed = status_.lastError != text;
    status_.lastError = text;
    status_.lastErrorMs = clock_.nowMs();
  }
  // The same failure every few seconds while a receiver is down would flood the log: say it once.
  if (changed) common::log::warning("siem sink " + config_.name + ": " + text);
}

void Forwarder::refreshLag(bool unthrottled) {
  const std::int64_t now = clock_.nowMs();
  if (!unthrottled && now - lagCountedAtMs_ < kLagEveryMs) return;
  lagCountedAtMs_ = now;
  IngestKey from = acked_;
  if (!leader_) {
    auto row = store_->cursor(config_.name);
    if (!row || !row.value()) return;
    from = row.value()->key;
  }
  auto lag = store_->countAfter(from, kLagCap);
  if (!lag) return;
  std::lock_guard lock(mutex_);
  status_.lag = lag.value();
  status_.cursor = from;
}

bool Forwarder::step(bool& idle) {
  idle = false;
  const std::int64_t now = clock_.nowMs();
  if (!leader_ || now >= leaseRenewAtMs_) {
    auto held = store_->acquireLease(config_.name, settings_.owner, now, settings_.leaseMs);
    if (!held) {
      fail(held.error());
      return false;
    }
    if (held.value() && !leader_) {
      auto row = store_->cursor(config_.name);
      if (!row) {
        fail(row.error());
        return false;
      }
      acked_ = sent_ = row.value() ? row.value()->key : IngestKey{};
      unsettled_ = 0;
      sentCount_ = 0;
      common::log::info("siem sink " + config_.name + ": forwarding from ingest position " + std::to_string(acked_.tx) +
                        "." + std::to_string(acked_.seq));
    }
    leader_ = held.value();
    leaseRenewAtMs_ = now + settings_.leaseMs / 3;
    {
      std::lock_guard lock(mutex_);
      status_.leader = leader_;
    }
    if (!leader_) {
      refreshLag(false);
      idle = true;  // another collector forwards this sink; look again later
      return true;
    }
  }

  auto batch = store_->readAfter(sent_, config_.batchSize);
  if (!batch) {
    fail(batch.error());
    return false;
  }
  const auto& events = batch.value();
  if (!events.empty()) {
    std::vector<StoredEvent> wanted;
    for (const auto& event : events) {
      if (config_.wants(event.type, event.severity)) wanted.push_back(event);
    }
    if (!wanted.empty()) {
      if (auto sent = sink_->send(wanted); !sent) {
        fail(sent.error());
        return false;
      }
    }
    sent_ = events.back().key;
    unsettled_ += wanted.size();
    sentCount_ += static_cast<std::int64_t>(wanted.size());
  }
  const bool caughtUp = events.size() < config_.batchSize;
  const bool settleDue = caughtUp || unsettled_ >= settings_.settleEveryEvents ||
                         clock_.nowMs() - lastSettleMs_ >= settings_.settleEveryMs;
  if (sent_ != acked_ && settleDue) {
    if (unsettled_ > 0) {
      if (auto settled = sink_->settle(); !settled) {
        fail(settled.error());
        return false;
      }
    }
    lastSettleMs_ = clock_.nowMs();
    auto saved = store_->saveCursor(config_.name, settings_.owner, sent_, sentCount_, clock_.nowMs());
    if (!saved) {
      fail(saved.error());
      return false;
    }
    if (!saved.value()) {
      // Another collector took the lease (ours expired, e.g. a long database stall): it resends
      // from the cursor it reads, so what we sent since then may arrive twice, never not at all.
      common::log::warning("siem sink " + config_.name + ": lease lost to another collector");
      leader_ = false;
      sent_ = acked_;
      return true;
    }
    acked_ = sent_;
    {
      std::lock_guard lock(mutex_);
      status_.forwarded += static_cast<std::uint64_t>(sentCount_);
      status_.cursor = acked_;
      status_.lastAckMs = clock_.nowMs();
      status_.lastError.clear();
    }
    unsettled_ = 0;
    sentCount_ = 0;
  }
  idle = caughtUp && sent_ == acked_;
  // While busy the count is throttled (it scans the backlog); when caught up it is cheap and exact.
  refreshLag(idle);
  return true;
}

std::chrono::milliseconds Forwarder::round() {
  bool idle = false;
  if (!step(idle)) return std::chrono::milliseconds(backoff_.nextDelayMs());
  backoff_.reset();
  return std::chrono::milliseconds(idle ? settings_.pollMs : 0);
}

void Forwarder::confirmSent() {
  if (leader_ && sent_ != acked_ && (unsettled_ == 0 || sink_->settle())) {
    if (store_->saveCursor(config_.name, settings_.owner, sent_, sentCount_, clock_.nowMs())) acked_ = sent_;
  }
}

}  // namespace mamori::collector::siem
