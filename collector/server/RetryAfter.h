#pragma once
// Retry-After values for 503 and 429 answers, drawn uniformly from a range so that a fleet turned
// away at the same moment does not come back at the same moment.

#include <string>

namespace mamori::collector::server {

struct RetryAfterRange {
  int minSeconds = 2;
  int maxSeconds = 20;
};

// A value in [range.minSeconds, range.maxSeconds] as the header's text.
std::string retryAfterSeconds(const RetryAfterRange& range);

}  // namespace mamori::collector::server
