#include "agent/p2p/FlowClassifier.h"

#include <arpa/inet.h>
#include <array>
#include <cstring>

namespace mamori::agent::p2p {

namespace {

// The handshake's protocol string, in two halves so that this binary does not carry the whole
// string (the built-in YARA rule looks for it in executables).
constexpr std::string_view kProtocolHead = "BitTorrent";
constexpr std::string_view kProtocolTail = " protocol";
constexpr std::size_t kHandshakeLength = 1 + 19 + 8 + 20 + 20;

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4U]);
    out.push_back(kDigits[c & 0xFU]);
  }
  return out;
}

std::optional<FlowVerdict> bittorrentHandshake(std::string_view p) {
  if (p.size() < kHandshakeLength || static_cast<unsigned char>(p[0]) != 19) return std::nullopt;
  if (p.substr(1, kProtocolHead.size()) != kProtocolHead ||
      p.substr(1 + kProtocolHead.size(), kProtocolTail.size()) != kProtocolTail) {
    return std::nullopt;
  }
  return FlowVerdict{"bittorrent", "handshake info_hash " + hex(p.substr(28, 20))};
}

// Minimal bencode walker: true when [pos, ...) holds one complete value; pos moves past it.
bool skipValue(std::string_view s, std::size_t& pos, int depth) {
  if (pos >= s.size() || depth > 16) return false;
  const char c = s[pos];
  if (c == 'i') {
    const auto end = s.find('e', pos + 1);
    if (end == std::string_view::npos || end == pos + 1) return false;
    pos = end + 1;
    return true;
  }
  if (c == 'l' || c == 'd') {
    ++pos;
    while (pos < s.size() && s[pos] != 'e') {
      if (!skipValue(s, pos, depth + 1)) return false;
    }
    if (pos >= s.size()) return false;
    ++pos;
    return true;
  }
  if (c >= '0' && c <= '9') {
    std::size_t length = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      length = length * 10 + static_cast<std::size_t>(s[pos] - '0');
      if (length > s.size()) return false;
      ++pos;
    }
    if (pos >= s.size() || s[pos] != ':') return false;
    ++pos;
    if (s.size() - pos < length) return false;
    pos += length;
    return true;
  }
  return false;
}

// DHT KRPC (BEP 5): one bencoded dictionary filling the datagram, with "y" = q/r/e and for
// queries a "q" method and an "a" dictionary holding a 20-byte "id".
std::optional<FlowVerdict> dhtMessage(std::string_view p) {
  if (p.size() < 20 || p.front() != 'd' || p.back() != 'e') return std::nullopt;
  std::size_t pos = 0;
  if (!skipValue(p, pos, 0) || pos != p.size()) return std::nullopt;
  const bool query = p.find("1:y1:q") != std::string_view::npos;
  const bool response = p.find("1:y1:r") != std::string_view::npos;
  const bool hasId = p.find("2:id20:") != std::string_view::npos;
  if (!hasId || (!query && !response)) return std::nullopt;
  if (query) {
    for (std::string_view method : {"ping", "find_node", "get_peers", "announce_peer", "sample_infohashes"}) {
      const std::string needle = "1:q" + std::to_string(method.size()) + ":" + std::string(method);
      if (p.find(needle) != std::string_view::npos)
        return FlowVerdict{"bittorrent-dht", "KRPC query " + std::string(method)};
    }
    return std::nullopt;
  }
  return FlowVerdict{"bittorrent-dht", "KRPC response"};
}

// The value of an announce's port parameter (what follows "&port=" up to the next parameter or the
// end of the target): 1 to 65535 in plain decimal without leading zeros, else 0 (unknown; the
// announce is still one).
std::uint16_t announcedPort(std::string_view value) {
  const auto end = value.find_first_of("& ");
  value = value.substr(0, end);
  if (value.empty() || value.size() > 5 || value.front() == '0') return 0;  // no leading zeros: one spelling
  std::uint32_t number = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return 0;
    number = number * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return number >= 1 && number <= 0xFFFF ? static_cast<std::uint16_t>(number) : 0;
}

// HTTP tracker announce/scrape: the request line carries info_hash and peer_id (or is a scrape).
std::optional<FlowVerdict> trackerRequest(std::string_view p) {
  if (!p.starts_with("GET /")) return std::nullopt;
  const auto lineEnd = p.find("\r\n");
  if (lineEnd == std::string_view::npos) return std::nullopt;
  const std::string_view line = p.substr(0, lineEnd);
  if (!line.ends_with(" HTTP/1.1") && !line.ends_with(" HTTP/1.0")) return std::nullopt;
  const bool infoHash =
      line.find("?info_hash=") != std::string_view::npos || line.find("&info_hash=") != std::string_view::npos;
  const bool peerId =
      line.find("&peer_id=") != std::string_view::npos || line.find("?peer_id=") != std::string_view::npos;
  const auto port = line.find("&port=");
  if (!infoHash || !peerId || port == std::string_view::npos) return std::nullopt;
  return FlowVerdict{"bittorrent-tracker", "HTTP announce", announcedPort(line.substr(port + 6))};
}

// UDP tracker (BEP 15) connect request: the fixed protocol id 0x41727101980 and action 0.
std::optional<FlowVerdict> udpTrackerConnect(std::string_view p) {
  static constexpr std::array<unsigned char, 12> kConnect = {0x00, 0x00, 0x04, 0x17, 0x27, 0x10,
                                                             0x19, 0x80, 0x00, 0x00, 0x00, 0x00};
  if (p.size() != 16 || std::memcmp(p.data(), kConnect.data(), kConnect.size()) != 0) return std::nullopt;
  return FlowVerdict{"bittorrent-udp-tracker", "connect"};
}

// eDonkey/eMule TCP: protocol byte, little-endian length of the rest, opcode; a hello (0x01) whose
// length matches the segment exactly and whose user hash is 16 bytes long.
std::optional<FlowVerdict> ed2kHello(std::string_view p) {
  if (p.size() < 6 + 1 + 16 + 6) return std::nullopt;
  const auto protocol = static_cast<unsigned char>(p[0]);
  if (protocol != 0xE3 && protocol != 0xC5) return std::nullopt;
  const std::uint32_t length = static_cast<std::uint32_t>(static_cast<unsigned char>(p[1])) |
                               static_cast<std::uint32_t>(static_cast<unsigned char>(p[2])) << 8U |
                               static_cast<std::uint32_t>(static_cast<unsigned char>(p[3])) << 16U |
                               static_cast<std::uint32_t>(static_cast<unsigned char>(p[4])) << 24U;
  if (length != p.size() - 5) return std::nullopt;
  const auto opcode = static_cast<unsigned char>(p[5]);
  if (opcode == 0x01 && static_cast<unsigned char>(p[6]) == 16) return FlowVerdict{"ed2k", "hello"};
  return std::nullopt;
}

std::uint16_t port(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned>(static_cast<unsigned char>(bytes[at])) << 8U |
                                    static_cast<unsigned char>(bytes[at + 1]));
}

std::uint32_t bigEndian32(std::string_view p, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = value << 8U | static_cast<unsigned char>(p[at + i]);
  return value;
}

// UDP tracker (BEP 15) announce: a connection id the tracker chose (random), action 1, then fields at
// fixed offsets: info_hash at 16, the byte counts downloaded/left/uploaded at 56/64/72 (64-bit; their
// top two bytes zero: no torrent is 256 TiB), the event at 80 (0-3), the client's port at 96 (not 0);
// BEP 41's options, if any, begin with an option type 0-2.
std::optional<FlowVerdict> udpTrackerAnnounce(std::string_view p) {
  constexpr std::size_t kAnnounceLength = 98;
  if (p.size() < kAnnounceLength || bigEndian32(p, 8) != 1 || bigEndian32(p, 80) > 3) return std::nullopt;
  for (const std::size_t count : {56U, 64U, 72U}) {
    if (p[count] != 0 || p[count + 1] != 0) return std::nullopt;
  }
  if (p.size() > kAnnounceLength && static_cast<unsigned char>(p[kAnnounceLength]) > 2) return std::nullopt;
  const std::uint16_t listening = port(p, 96);
  if (listening == 0) return std::nullopt;
  return FlowVerdict{"bittorrent-udp-tracker", "announce info_hash " + hex(p.substr(16, 20)), listening};
}

// A uTP header (BEP 29) with its extensions (SACK 1, extension bits 2, libtorrent's close reason 3),
// each within the datagram; nullopt for anything else. dataOffset: where the data begins.
struct UtpHeader {
  unsigned type = 0;
  std::uint16_t connection = 0;
  std::uint16_t sequence = 0;
  std::uint16_t acknowledged = 0;
  std::size_t dataOffset = 0;
};

std::optional<UtpHeader> utpHeader(std::string_view p) {
  constexpr std::size_t kHeader = 20;
  constexpr int kMaxExtensions = 4;
  if (p.size() < kHeader) return std::nullopt;
  const auto first = static_cast<unsigned char>(p[0]);
  UtpHeader header;
  header.type = first >> 4U;
  if ((first & 0x0FU) != 1 || header.type > 4) return std::nullopt;
  std::size_t pos = kHeader;
  auto extension = static_cast<unsigned char>(p[1]);
  for (int count = 0; extension != 0; ++count) {
    if (count == kMaxExtensions || extension > 3 || p.size() - pos < 2) return std::nullopt;
    const auto length = static_cast<unsigned char>(p[pos + 1]);
    extension = static_cast<unsigned char>(p[pos]);
    pos += 2;
    if (p.size() - pos < length) return std::nullopt;
    pos += length;
  }
  header.connection = port(p, 2);
  header.sequence = port(p, 16);
  header.acknowledged = port(p, 18);
  header.dataOffset = pos;
  return header;
}

std::string utpKey(const Flow& flow, std::uint16_t connection) {
  return flow.source + "|" + std::to_string(flow.sourcePort) + "|" + flow.destination + "|" +
         std::to_string(flow.destinationPort) + "|" + std::to_string(connection);
}

// Local Service Discovery (BEP 14): a BitTorrent client announcing its torrents to the LAN's
// multicast group, on by default in libtorrent and transmission. An HTTP-like request line of its
// own ("BT-SEARCH * HTTP/1.1"), then a Port header (the client's listening port) and at least one
// Infohash header of 40 hex digits (BEP 14) or 32 base32 ones (older clients).
std::optional<FlowVerdict> localServiceDiscovery(std::string_view p) {
  constexpr std::string_view kRequest = "BT-SEARCH * HTTP/1.1\r\n";
  if (!p.starts_with(kRequest) || p.size() > 1400) return std::nullopt;
  const auto header = [&](std::string_view name) -> std::optional<std::string_view> {
    const std::string needle = "\r\n" + std::string(name) + ": ";
    // The request line's CR LF counts as the first header's start.
    const auto at = p.find(needle, kRequest.size() - 2);
    if (at == std::string_view::npos) return std::nullopt;
    const auto begin = at + needle.size();
    const auto end = p.find("\r\n", begin);
    if (end == std::string_view::npos) return std::nullopt;
    return p.substr(begin, end - begin);
  };
  const auto portText = header("Port");
  const auto infoHash = header("Infohash");
  if (!portText || !infoHash) return std::nullopt;
  if (portText->find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const std::uint16_t listening = announcedPort(*portText);
  if (listening == 0) return std::nullopt;
  const auto hexDigits = infoHash->find_first_not_of("0123456789abcdefABCDEF");
  const auto base32 = infoHash->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  if (!(infoHash->size() == 40 && hexDigits == std::string_view::npos) &&
      !(infoHash->size() == 32 && base32 == std::string_view::npos)) {
    return std::nullopt;
  }
  return FlowVerdict{"bittorrent-lsd", "local service discovery info_hash " + std::string(*infoHash), listening};
}

std::string address(int family, const char* bytes) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  ::inet_ntop(family, bytes, text.data(), text.size());
  return text.data();
}

}  // namespace

std::string Flow::describe() const {
  const auto endpoint = [this](const std::string& host, std::uint16_t p) {
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(p);
  };
  return std::string(tcp ? "tcp " : "udp ") + endpoint(source, sourcePort) + " -> " +
         endpoint(destination, destinationPort);
}

std::optional<FlowVerdict> classifyPayload(bool tcp, std::string_view payload) {
  if (payload.empty()) return std::nullopt;
  if (tcp) {
    if (auto v = bittorrentHandshake(payload)) return v;
    if (auto v = trackerRequest(payload)) return v;
    return ed2kHello(payload);
  }
  if (auto v = dhtMessage(payload)) return v;
  if (auto v = localServiceDiscovery(payload)) return v;
  if (auto v = udpTrackerConnect(payload)) return v;
  return udpTrackerAnnounce(payload);
}

Flow reversed(const Flow& flow) {
  return Flow{flow.tcp, flow.destination, flow.destinationPort, flow.source, flow.sourcePort, flow.ipv6};
}

std::optional<FlowVerdict> UtpHandshakes::observe(const Flow& flow, std::string_view payload, Clock::time_point now) {
  constexpr unsigned kState = 2;
  constexpr unsigned kSyn = 4;
  if (flow.tcp) return std::nullopt;
  const auto header = utpHeader(payload);
  // Both carry no data: a SYN or STATE with bytes after its header is not the handshake's.
  if (!header || header->dataOffset != payload.size()) return std::nullopt;
  if (header->type == kSyn) {
    if (pending_.size() >= kMaxPending) {
      std::erase_if(pending_, [&](const auto& entry) { return now - entry.second.at > kAnswerWithin; });
      if (pending_.size() >= kMaxPending) pending_.clear();  // a flood of SYNs: start over, bounded
    }
    pending_.insert_or_assign(utpKey(flow, header->connection), Syn{header->sequence, now});
    return std::nullopt;
  }
  if (header->type != kState) return std::nullopt;
  const auto syn = pending_.find(utpKey(reversed(flow), header->connection));
  if (syn == pending_.end()) return std::nullopt;
  const bool answers = header->acknowledged == syn->second.sequence && now - syn->second.at <= kAnswerWithin;
  if (!answers) return std::nullopt;
  pending_.erase(syn);
  return FlowVerdict{"bittorrent-utp",
                     "uTP connection " + std::to_string(header->connection) + ": SYN answered by STATE (BEP 29)"};
}

std::vector<ListenerClue> listenerClues(const Flow& flow, const FlowVerdict& verdict) {
  std::vector<ListenerClue> clues;
  if (verdict.listeningPort != 0) clues.push_back({verdict.listeningPort, "named in its tracker announce"});
  if (flow.tcp && flow.sourcePort != 0 && flow.sourcePort != verdict.listeningPort) {
    clues.push_back({flow.sourcePort, "the flow's local port: an accepted connection"});
  }
  return clues;
}

drivers::PayloadPrefixes recognisedPayloadPrefixes() {
  drivers::PayloadPrefixes prefixes;
  // TCP: the handshake's length byte and the protocol string's first letters; a tracker's request
  // line; eD2k's two protocol bytes (the length follows).
  prefixes.tcp = {"\x13" + std::string(kProtocolHead.substr(0, 3)), "GET ", "\xE3", "\xC5"};
  // UDP: a bencoded dictionary (its first key varies: "a", "r", "ip"); the UDP tracker's protocol id;
  // Local Service Discovery's request line.
  prefixes.udp = {"d", std::string("\x00\x00\x04\x17", 4), "BT-S"};
  // The UDP tracker's announce: action 1 after the tracker's random connection id, 98 bytes or more.
  prefixes.udpMarks = {{8, std::string("\x00\x00\x00\x01", 4), 98}};
  // uTP's SYN and STATE (UtpHandshakes): type and version, then the first extension; bare headers
  // (20 bytes), or with the extension bits a SYN of libutp carries (8 bytes more). Exact lengths keep
  // QUIC's short packets (0x41 is a common first byte there too) in the kernel.
  prefixes.udpMarks.push_back({0, std::string("\x41\x00", 2), 20, 20});
  prefixes.udpMarks.push_back({0, std::string("\x41\x02", 2), 30, 30});
  prefixes.udpMarks.push_back({0, std::string("\x21\x00", 2), 20, 20});
  return prefixes;
}

std::optional<Packet> parseIpPacket(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  Packet packet;
  std::size_t transport = 0;
  int protocol = 0;
  std::size_t end = bytes.size();
  const auto version = static_cast<unsigned char>(bytes[0]) >> 4U;
  if (version == 4) {
    if (bytes.size() < 20) return std::nullopt;
    const std::size_t headerLength = std::size_t{static_cast<unsigned char>(bytes[0]) & 0xFU} * 4U;
    const std::size_t total = port(bytes, 2);
    if (headerLength < 20 || bytes.size() < headerLength) return std::nullopt;
    if ((port(bytes, 6) & 0x1FFFU) != 0) return std::nullopt;  // a later fragment: no transport header
    if (total >= headerLength && total < end) end = total;     // the capture may be longer (padding)
    protocol = static_cast<unsigned char>(bytes[9]);
    packet.flow.source = address(AF_INET, bytes.data() + 12);
    packet.flow.destination = address(AF_INET, bytes.data() + 16);
    transport = headerLength;
  } else if (version == 6) {
    if (bytes.size() < 40) return std::nullopt;
    protocol = static_cast<unsigned char>(bytes[6]);  // extension headers are not followed
    const std::size_t total = 40U + port(bytes, 4);
    if (total < end) end = total;
    packet.flow.ipv6 = true;
    packet.flow.source = address(AF_INET6, bytes.data() + 8);
    packet.flow.destination = address(AF_INET6, bytes.data() + 24);
    transport = 40;
  } else {
    return std::nullopt;
  }
  if (end <= transport) return std::nullopt;
  const std::string_view segment = bytes.substr(transport, end - transport);
  if (protocol == 6) {
    if (segment.size() < 20) return std::nullopt;
    const std::size_t offset = (std::size_t{static_cast<unsigned char>(segment[12])} >> 4U) * 4U;
    if (offset < 20 || offset > segment.size()) return std::nullopt;
    packet.flow.tcp = true;
    packet.payload = segment.substr(offset);
  } else if (protocol == 17) {
    if (segment.size() < 8) return std::nullopt;
    packet.flow.tcp = false;
    packet.payload = segment.substr(8);
  } else {
    return std::nullopt;
  }
  packet.flow.sourcePort = port(segment, 0);
  packet.flow.destinationPort = port(segment, 2);
  return packet;
}

}  // namespace mamori::agent::p2p
