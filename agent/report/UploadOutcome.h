#pragma once
// What an answer of the collector means for the events sent (docs/api.md, POST /api/v1/events).
// Pure, so the table is tested on its own.

#include <cstdint>
#include <optional>
#include <string>

#include "common/Result.h"
#include "common/net/HttpsClient.h"

namespace mamori::agent {

enum class UploadOutcome {
  Delivered,   // 200: stored (or already stored); drop from the spool
  Retry,       // network error, 5xx, 408, 429: keep, try again after backoff
  Final,       // other 4xx: the collector will never take this batch; keep it aside, report it
  AuthFailed,  // 401: keep; re-enroll if we can
  TooLarge,    // 413: split the batch
};

UploadOutcome classifyUpload(const common::Result<common::net::HttpResponse>& result);
const char* outcomeName(UploadOutcome outcome);

// How long a 429 or 503 answer asks us to wait (its Retry-After, seconds or HTTP-date), or nullopt
// (another answer, no header, or one that is neither form: the backoff alone decides then).
std::optional<std::int64_t> retryAfterMs(const common::Result<common::net::HttpResponse>& result, std::int64_t nowMs);

// The collector's {"error": ..., "where": ...}; the raw body (shortened) if it is not that form.
struct CollectorError {
  std::string error;
  std::string where;
};
CollectorError parseCollectorError(const std::string& body);

}  // namespace mamori::agent
