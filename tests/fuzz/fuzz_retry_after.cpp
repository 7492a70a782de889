// Retry-After comes from whatever answers at the collector's address.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Result.h"
#include "common/RetryAfter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto ms = mamori::common::parseRetryAfterMs(text, 1'700'000'000'000)) MAMORI_ASSERT(*ms >= 0);
  return 0;
}
