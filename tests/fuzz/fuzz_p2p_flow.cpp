// The P2P flow classifier (agent/p2p/FlowClassifier.h): packets from the network, anyone's.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/p2p/FlowClassifier.h"
#include "common/Result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  using namespace mamori::agent::p2p;
  if (auto packet = parseIpPacket(bytes)) {
    MAMORI_ASSERT(packet->payload.size() <= size);
    if (auto verdict = classifyPayload(packet->flow.tcp, packet->payload)) MAMORI_ASSERT(!verdict->protocol.empty());
    (void)packet->flow.describe();
  }
  (void)classifyPayload(true, bytes);
  (void)classifyPayload(false, bytes);
  return 0;
}
