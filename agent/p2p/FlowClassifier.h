#pragma once
// Recognises file-sharing protocols from the first payload bytes of a packet. Pure: bytes in, a
// verdict out; tested over packets recorded with tcpdump during a loopback transfer and fuzzed
// (tests/fuzz/fuzz_p2p_flow.cpp). Every rule needs structure at fixed offsets (a length that adds up,
// a bencoded dictionary that parses, two tracker parameters in a request line), never one string
// anywhere in the data: libwireshark and this very file contain "BitTorrent protocol" too.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  std::string protocol;  // bittorrent, bittorrent-dht, bittorrent-tracker, bittorrent-udp-tracker, ed2k
  std::string detail;    // "handshake info_hash 0123...", "KRPC query get_peers", "announce", "hello"
  // The port the sender says its client listens on (a tracker announce's: HTTP's port=N, the UDP
  // announce's port field; 0 = none named). A tracker announce's own connection lasts a millisecond,
  // the client's listening socket as long as the client: the agent finds the sender by it when the
  // flow's socket is gone.
  std::uint16_t listeningPort = 0;
};

// A transport payload of one direction of a flow.
std::optional<FlowVerdict> classifyPayload(bool tcp, std::string_view payload);

// How every payload classifyPayload recognises begins (1, 2 or 4 bytes), for the packet source to
// drop the rest in the kernel: a rule added above adds its start here (FlowClassifierTest checks).
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

struct Packet {
  Flow flow;
  std::string_view payload;
};

// An IPv4 or IPv6 packet (network header first, as an AF_PACKET SOCK_DGRAM socket delivers it) to
// its flow and transport payload. nullopt for anything that is not TCP/UDP or does not add up.
std::optional<Packet> parseIpPacket(std::string_view bytes);

}  // namespace mamori::agent::p2p
