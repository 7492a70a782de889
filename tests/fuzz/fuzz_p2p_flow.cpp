// The P2P flow classifier (agent/p2p/FlowClassifier.h): packets from the network, anyone's.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/p2p/FlowClassifier.h"
#include "common/Result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  using namespace mamori::agent::p2p;
  if (auto packet = parseIpPacket(bytes)) {
    MAMORI_ASSERT(packet->payload.size() <= size);
    if (auto verdict = classifyPayload(packet->flow.tcp, packet->payload)) {
      MAMORI_ASSERT(!verdict->protocol.empty());
      // Only an announce (HTTP or UDP tracker) names a listening port; the clues never name port 0 or
      // one twice.
      MAMORI_ASSERT(verdict->listeningPort == 0 || verdict->protocol == "bittorrent-tracker" ||
                    verdict->protocol == "bittorrent-udp-tracker");
      const auto clues = listenerClues(packet->flow, *verdict);
      MAMORI_ASSERT(clues.size() <= 2);
      for (const auto& clue : clues) MAMORI_ASSERT(clue.port != 0);
      MAMORI_ASSERT(clues.size() < 2 || clues[0].port != clues[1].port);
    }
    (void)packet->flow.describe();
  }
  if (auto verdict = classifyPayload(true, bytes); verdict && verdict->listeningPort != 0) {
    // A named port is the announce's own digits, not one wrapped around from a longer number.
    MAMORI_ASSERT(bytes.find("&port=" + std::to_string(verdict->listeningPort)) != std::string_view::npos);
  }
  if (auto verdict = classifyPayload(false, bytes); verdict && verdict->listeningPort != 0) {
    // A UDP announce's port is its two bytes at offset 96.
    MAMORI_ASSERT(bytes.size() >= 98);
    MAMORI_ASSERT(verdict->listeningPort == (static_cast<unsigned>(data[96]) << 8U | data[97]));
  }
  return 0;
}
