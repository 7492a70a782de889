// The P2P flow classifier (agent/p2p/FlowClassifier.h): packets from the network, anyone's.
#include <algorithm>
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
                    verdict->protocol == "bittorrent-udp-tracker" || verdict->protocol == "bittorrent-lsd");
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
    if (verdict->protocol == "bittorrent-lsd") {
      // Local Service Discovery's port is its Port header, those digits exactly.
      MAMORI_ASSERT(bytes.find("\r\nPort: " + std::to_string(verdict->listeningPort) + "\r\n") !=
                    std::string_view::npos);
    } else {
      // A UDP announce's port is its two bytes at offset 96.
      MAMORI_ASSERT(bytes.size() >= 98);
      MAMORI_ASSERT(verdict->listeningPort == (static_cast<unsigned>(data[96]) << 8U | data[97]));
    }
  }
  if (size > 0) {
    // uTP: the input's first byte says where the rest is cut in two datagrams, the first on a SYN's
    // flow, the second on the answer's; a verdict only for a STATE without data that acknowledges
    // the first (seen within the window), never for one datagram.
    UtpHandshakes utp;
    const Flow out{false, "127.0.0.1", 7002, "127.0.0.1", 7001, false};
    const auto now = UtpHandshakes::Clock::now();
    const std::string_view rest = bytes.substr(1);
    const std::string_view first = rest.substr(0, std::min<std::size_t>(data[0], rest.size()));
    const std::string_view second = rest.substr(first.size());
    MAMORI_ASSERT(!utp.observe(out, first, now));
    MAMORI_ASSERT(utp.pending() <= 1);
    MAMORI_ASSERT(!utp.observe(out, second, now + UtpHandshakes::kAnswerWithin));  // its own direction: no answer
    if (auto verdict = utp.observe(reversed(out), second, now)) {
      MAMORI_ASSERT(verdict->protocol == "bittorrent-utp" && verdict->listeningPort == 0);
      MAMORI_ASSERT(first.size() >= 20 && second.size() >= 20);
      MAMORI_ASSERT(first[0] == '\x41' && second[0] == '\x21');
    }
  }
  return 0;
}
