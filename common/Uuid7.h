#pragma once
// Time-ordered unique ids (RFC 9562 UUID version 7): 48 bits of Unix milliseconds, then random bits.
// Ids made by one generator are strictly increasing, also within one millisecond, so sorting by id
// sorts by creation time and the collector can page through events with the id as cursor.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace mamori::common {

class Uuid7Generator {
 public:
  // Thread-safe. unixMs is the creation time; pass the clock's value.
  std::string next(std::int64_t unixMs);

 private:
  std::mutex mutex_;
  std::int64_t lastMs_ = -1;
  std::uint64_t counter_ = 0;  // 42-bit monotonic counter seeded randomly each millisecond
};

// True for the canonical lower-case 8-4-4-4-12 hex form of any UUID.
bool isCanonicalUuid(std::string_view text);

// The Unix milliseconds stored in a version 7 UUID, or -1 if it is not one.
std::int64_t uuid7Millis(std::string_view text);

}  // namespace mamori::common
