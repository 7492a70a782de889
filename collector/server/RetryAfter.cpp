#include "collector/server/RetryAfter.h"

#include <algorithm>
#include <random>

namespace mamori::collector::server {

std::string retryAfterSeconds(const RetryAfterRange& range) {
  thread_local std::mt19937 random{std::random_device{}()};
  const int low = std::max(0, range.minSeconds);
  const int high = std::max(low, range.maxSeconds);
  return std::to_string(std::uniform_int_distribution<int>(low, high)(random));
}

}  // namespace mamori::collector::server
