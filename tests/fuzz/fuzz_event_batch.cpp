// The collector's first contact with agent input: POST /api/v1/events bodies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/EventJson.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  auto batch = mamori::common::parseEventBatch(text);
  if (batch) {
    // Whatever was accepted must serialize and parse back to the same events.
    for (const auto& event : batch.value()) {
      auto again = mamori::common::parseEvent(mamori::common::eventToJson(event));
      MAMORI_ASSERT(again.ok());
      MAMORI_ASSERT(again.value().id == event.id && again.value().timeMs == event.timeMs);
    }
  } else {
    MAMORI_ASSERT(!batch.error().message.empty());
  }
  return 0;
}
