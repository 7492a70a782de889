#include "collector/store/HeartbeatBatcher.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "common/Log.h"

namespace mamori::collector::store {

HeartbeatBatcher::HeartbeatBatcher(EventStore& store, HeartbeatBatcherOptions options)
    : store_(store), options_(options) {}

HeartbeatBatcher::~HeartbeatBatcher() { stop(); }

void HeartbeatBatcher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void HeartbeatBatcher::merge(HeartbeatUpdate& into, HeartbeatUpdate&& newer) {
  into.seenMs = std::max(into.seenMs, newer.seenMs);
  if (newer.intervalMs) into.intervalMs = newer.intervalMs;
  if (newer.spoolEvents) into.spoolEvents = newer.spoolEvents;
  if (newer.agentVersion) into.agentVersion = std::move(newer.agentVersion);
  if (newer.policy) into.policy = std::move(newer.policy);
  if (newer.contentSets) into.contentSets = std::move(newer.contentSets);
}

bool HeartbeatBatcher::submit(HeartbeatUpdate update) {
  std::size_t size = 0;
  {
    std::lock_guard lock(mutex_);
    ++stats_.received;
    auto it = pending_.find(update.agentId);
    if (it != pending_.end()) {
      merge(it->second, std::move(update));
    } else {
      if (pending_.size() >= options_.maxPending) {
        ++stats_.refused;
        return false;
      }
      std::string key = update.agentId;
      pending_.emplace(std::move(key), std::move(update));
    }
    size = pending_.size();
  }
  if (size >= options_.flushAt) wake_.notify_one();
  return true;
}

common::Status HeartbeatBatcher::flush() {
  std::lock_guard flushing(flushMutex_);
  std::unordered_map<std::string, HeartbeatUpdate> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(pending_);
  }
  if (taken.empty()) return common::Ok{};
  std::vector<HeartbeatUpdate> batch;
  batch.reserve(taken.size());
  for (auto& [id, update] : taken) batch.push_back(update);
  // Agent id order: two collectors flushing overlapping agents lock rows in the same order.
  std::sort(batch.begin(), batch.end(),
            [](const HeartbeatUpdate& a, const HeartbeatUpdate& b) { return a.agentId < b.agentId; });
  auto written = store_.recordHeartbeats(batch);
  std::lock_guard lock(mutex_);
  if (!written) {
    ++stats_.failures;
    // Put them back under whatever arrived meanwhile (those are newer and win field by field).
    for (auto& [id, update] : taken) {
      auto it = pending_.find(id);
      if (it == pending_.end()) {
        pending_.emplace(id, std::move(update));
      } else {
        HeartbeatUpdate newer = std::move(it->second);
        it->second = std::move(update);
        merge(it->second, std::move(newer));
      }
    }
    return written.error();
  }
  ++stats_.flushes;
  stats_.written += written.value();
  return common::Ok{};
}

void HeartbeatBatcher::run() {
  std::unique_lock lock(mutex_);
  bool failed = false;  // after a failure, wait the whole interval: a full map must not spin on a down database
  while (!stopping_) {
    wake_.wait_for(lock, options_.interval,
                   [&] { return stopping_ || (!failed && pending_.size() >= options_.flushAt); });
    if (stopping_) break;
    if (pending_.empty()) continue;
    lock.unlock();
    auto flushed = flush();
    failed = !flushed.ok();
    if (failed) {
      common::log::warning("heartbeat batch not written, kept for the next try: " + flushed.error().describe());
    }
    lock.lock();
  }
}

void HeartbeatBatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (auto flushed = flush(); !flushed) {
    common::log::warning("heartbeats pending at shutdown were not written: " + flushed.error().describe());
  }
}

HeartbeatBatcher::Stats HeartbeatBatcher::stats() const {
  std::lock_guard lock(mutex_);
  Stats copy = stats_;
  copy.pending = pending_.size();
  return copy;
}

std::string HeartbeatBatcher::renderMetrics() const {
  const Stats s = stats();
  std::ostringstream out;
  out << "# HELP mamori_heartbeats_received_total Heartbeats accepted for batched writing.\n"
         "# TYPE mamori_heartbeats_received_total counter\n"
         "mamori_heartbeats_received_total "
      << s.received
      << "\n# HELP mamori_heartbeats_pending Agents whose heartbeat waits for the next batch.\n"
         "# TYPE mamori_heartbeats_pending gauge\n"
         "mamori_heartbeats_pending "
      << s.pending
      << "\n# HELP mamori_heartbeat_batches_total Heartbeat batches written (one transaction each).\n"
         "# TYPE mamori_heartbeat_batches_total counter\n"
         "mamori_heartbeat_batches_total "
      << s.flushes
      << "\n# HELP mamori_heartbeat_agents_written_total Agent rows updated by heartbeat batches.\n"
         "# TYPE mamori_heartbeat_agents_written_total counter\n"
         "mamori_heartbeat_agents_written_total "
      << s.written
      << "\n# HELP mamori_heartbeat_batch_failures_total Heartbeat batches that failed and were kept for the "
         "next try.\n"
         "# TYPE mamori_heartbeat_batch_failures_total counter\n"
         "mamori_heartbeat_batch_failures_total "
      << s.failures
      << "\n# HELP mamori_heartbeats_refused_total Heartbeats answered 503 because too many agents were pending.\n"
         "# TYPE mamori_heartbeats_refused_total counter\n"
         "mamori_heartbeats_refused_total "
      << s.refused << '\n';
  return out.str();
}

}  // namespace mamori::collector::store
