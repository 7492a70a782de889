#pragma once
// The reporting section of the policy: how the agent spools and uploads events.
// These defaults are the built-in policy's; the policy parser (docs/policy.md) fills them from the
// "reporting" section when an administrator sets them.

#include <cstdint>

namespace mamori::policy {

struct ReportingSettings {
  // Upload batches: whichever limit is reached first closes a batch.
  std::int64_t batchMaxEvents = 2000;
  std::int64_t batchMaxBytes = 1 << 20;  // before gzip
  // Durable spool bounds. Past either, the oldest low-severity events are dropped first and a
  // spool.overflow event says what was dropped.
  std::int64_t spoolMaxEvents = 1'000'000;
  std::int64_t spoolMaxBytes = 512LL << 20;
  // Heartbeats tell the collector the agent is alive; three missed ones mark it silent.
  std::int64_t heartbeatIntervalMs = 60'000;
  // Retry schedule for uploads (full-jitter exponential backoff).
  std::int64_t retryBaseMs = 500;
  std::int64_t retryCapMs = 60'000;
  // How often the agent asks the collector for a newer policy (jittered by the agent).
  std::int64_t policyPollIntervalMs = 60'000;
};

}  // namespace mamori::policy
