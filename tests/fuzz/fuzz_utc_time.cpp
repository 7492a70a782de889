// Timestamps and durations come from agents and from mamorictl's command line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Clock.h"
#include "common/Result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto ms = mamori::common::parseUtcMs(text)) {
    // Anything accepted must survive a round trip at millisecond precision.
    MAMORI_ASSERT(mamori::common::parseUtcMs(mamori::common::formatUtcMs(*ms)) == ms);
  }
  (void)mamori::common::parseDurationMs(text);
  return 0;
}
