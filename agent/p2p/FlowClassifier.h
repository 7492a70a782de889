#pragma once
// Recognises file-sharing protocols from the first payload bytes of a packet. Pure: bytes in, a
// verdict out; tested over packets recorded with tcpdump during a loopback transfer and fuzzed
// (tests/fuzz/fuzz_p2p_flow.cpp). Every rule needs structure at fixed offsets (a length that adds up,
// a bencoded dictionary that parses, two tracker parameters in a request line), never one string
// anywhere in the data: libwireshark and this very file contain "BitTorrent protocol" too.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "drivers/include/PacketSource.h"

namespace mamori::agent::p2p {

struct Flow {
  bool tcp = true;
  std::string source;  // "127.0.0.1" or "::1"
  std::uint16_t sourcePort = 0;
  std::string destination;
  std::uint16_t destinationPort = 0;
  bool ipv6 = false;
  std::string describe() const;  // "tcp 127.0.0.1:40000 -> 127.0.0.1:6881"
};

struct FlowVerdict {
  // bittorrent, bittorrent-dht, bittorrent-tracker, bittorrent-udp-tracker, bittorrent-lsd,
  // bittorrent-utp (UtpHandshakes), ed2k
  std::string protocol;
  std::string detail;  // "handshake info_hash 0123...", "KRPC query get_peers", "announce", "hello"
  // The port the sender says its client listens on (a tracker announce's: HTTP's port=N, the UDP
  // announce's port field, Local Service Discovery's Port header; 0 = none named). A tracker announce's own connection
  // lasts a millisecond, the client's listening socket as long as the client: the agent finds the sender by it when the
  // flow's socket is gone.
  std::uint16_t listeningPort = 0;
};

// A transport payload of one direction of a flow.
std::optional<FlowVerdict> classifyPayload(bool tcp, std::string_view payload);

// uTP (BEP 29), BitTorrent's own transport over UDP (libtorrent: qBittorrent, Deluge; libutp:
// transmission). Its 20-byte header stays plain when the BitTorrent stream inside is encrypted (MSE,
// which those engines try first), so a client with trackers, DHT and TCP off and encryption required
// still shows it. One datagram is never enough (a 20-byte UDP payload may be anything): a connection
// is recognised when a SYN (type 4, no data) is answered by a STATE (type 2, no data) from the SYN's
// destination, carrying the SYN's connection id and acknowledging its sequence number. Datagrams of
// one thread (the sniffer's); SYNs are kept for kAnswerWithin, at most kMaxPending of them.
class UtpHandshakes {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxPending = 1024;
  static constexpr std::chrono::seconds kAnswerWithin{10};

  // A UDP payload of flow, seen at now. A verdict when it is the answer to a SYN seen before: the
  // connection's ends are flow's sender (the side that answered) and its destination (the SYN's sender).
  std::optional<FlowVerdict> observe(const Flow& flow, std::string_view payload, Clock::time_point now);
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Syn {
    std::uint16_t sequence = 0;
    Clock::time_point at;
  };
  std::unordered_map<std::string, Syn> pending_;  // by the SYN's flow and connection id
};

// How every payload classifyPayload recognises begins (1, 2 or 4 bytes), for the packet source to
// drop the rest in the kernel, and the uTP SYNs and STATEs UtpHandshakes pairs (marks of an exact
// length): a rule added above adds its start here (FlowClassifierTest checks).
drivers::PayloadPrefixes recognisedPayloadPrefixes();

// Where to look for a flow's sender when its own socket is gone (a tracker announce closes within a
// millisecond, a peer connection once both sides have the file): TCP sockets listening on these
// ports outlive the flow. The port the announce names first, then the flow's local port (the
// sending side of an accepted connection is its listener's port; TCP flows only).
struct ListenerClue {
  std::uint16_t port = 0;
  std::string why;  // "named in its tracker announce", "the flow's local port"
};
std::vector<ListenerClue> listenerClues(const Flow& flow, const FlowVerdict& verdict);

// The same flow seen from its other end (the answer's direction).
Flow reversed(const Flow& flow);

struct Packet {
  Flow flow;
  std::string_view payload;
};

// An IPv4 or IPv6 packet (network header first, as an AF_PACKET SOCK_DGRAM socket delivers it) to
// its flow and transport payload. nullopt for anything that is not TCP/UDP or does not add up.
std::optional<Packet> parseIpPacket(std::string_view bytes);

}  // namespace mamori::agent::p2p
