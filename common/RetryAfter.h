#pragma once
// The Retry-After header of a 429 or 503 answer (RFC 9110 section 10.2.3): either a number of seconds
// or an HTTP-date. Pure: the header text and the current time in, the wait out. The agent and the
// fleet simulator both read it here.

#include <cstdint>
#include <optional>
#include <string_view>

namespace mamori::common {

// The wait the header asks for, in milliseconds (0 for a date in the past), or nullopt when the value
// is neither form. Seconds beyond what fits are saturated; callers cap the wait to what they accept.
std::optional<std::int64_t> parseRetryAfterMs(std::string_view value, std::int64_t nowMs);

}  // namespace mamori::common
