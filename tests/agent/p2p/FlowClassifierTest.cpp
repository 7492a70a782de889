// The flow classifier over packets recorded with tcpdump during a loopback BitTorrent transfer
// (tests/fixtures/p2p, IP header first) and over hostile look-alikes.
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/p2p/FlowClassifier.h"
#include "common/Files.h"
#include "drivers/linux/SocketTable.h"

using namespace mamori::agent::p2p;

namespace {
std::string fixture(const std::string& name) {
  auto bytes = mamori::common::readSmallFile(std::string(MAMORI_P2P_FIXTURES) + "/" + name);
  REQUIRE(bytes.ok());
  return bytes.value();
}
// What the kernel filter lets through must include every payload the classifier recognises.
bool passesFilter(bool tcp, std::string_view payload) {
  const auto prefixes = recognisedPayloadPrefixes();
  const auto& list = tcp ? prefixes.tcp : prefixes.udp;
  if (std::any_of(list.begin(), list.end(), [&](const std::string& p) { return payload.starts_with(p); })) return true;
  if (tcp) return false;
  return std::any_of(prefixes.udpMarks.begin(), prefixes.udpMarks.end(), [&](const auto& mark) {
    return payload.size() >= std::max(mark.minLength, mark.offset + mark.bytes.size()) &&
           (mark.maxLength == 0 || payload.size() <= mark.maxLength) &&
           payload.substr(mark.offset, mark.bytes.size()) == mark.bytes;
  });
}
// A UDP tracker announce (BEP 15) as a client sends it: the tracker's connection id, action 1, a
// transaction id, info_hash, peer_id, the byte counts, event "started", IP 0, key, num_want -1, port.
std::string udpAnnounce(std::uint16_t port) {
  std::string p;
  p += std::string("\x9a\x3c\x11\xf0\x42\x07\xbe\x65", 8);  // connection id: random
  p += std::string("\x00\x00\x00\x01", 4);                  // action: announce
  p += std::string("\x5e\x11\x22\x33", 4);                  // transaction id
  p += std::string(20, '\xab');                             // info_hash
  p += "-TR3000-abcdefghijkl";                              // peer_id
  p += std::string(8, '\0');                                // downloaded
  p += std::string("\x00\x00\x00\x00\x00\x10\x00\x00", 8);  // left: 1 MiB
  p += std::string(8, '\0');                                // uploaded
  p += std::string("\x00\x00\x00\x02", 4);                  // event: started
  p += std::string(4, '\0');                                // IP: the sender's
  p += std::string("\x01\x02\x03\x04", 4);                  // key
  p += std::string("\xff\xff\xff\xff", 4);                  // num_want: default
  p += static_cast<char>(port >> 8U);
  p += static_cast<char>(port & 0xFFU);
  return p;
}
// Assembled at run time so the test binary does not carry the handshake string in one piece.
std::string protocolString() { return std::string("BitTorrent") + std::string(" protocol"); }
}  // namespace

TEST_CASE("a recorded BitTorrent handshake") {
  const std::string bytes = fixture("bittorrent-handshake.ip");
  auto packet = parseIpPacket(bytes);
  REQUIRE(packet);
  CHECK(packet->flow.tcp);
  CHECK(packet->flow.source == "127.0.0.1");
  CHECK(packet->flow.destination == "127.0.0.1");
  auto verdict = classifyPayload(true, packet->payload);
  REQUIRE(verdict);
  CHECK(verdict->protocol == "bittorrent");
  CHECK(passesFilter(true, packet->payload));
  CHECK(verdict->detail.starts_with("handshake info_hash "));
  CHECK(verdict->detail.size() == std::string("handshake info_hash ").size() + 40);
  // The same bytes in a UDP datagram are not a handshake.
  CHECK_FALSE(classifyPayload(false, packet->payload));
}

TEST_CASE("a recorded HTTP tracker announce") {
  auto packet = parseIpPacket(fixture("tracker-announce.ip"));
  REQUIRE(packet);
  CHECK(packet->flow.destinationPort == 6969);
  auto verdict = classifyPayload(true, packet->payload);
  REQUIRE(verdict);
  CHECK(verdict->protocol == "bittorrent-tracker");
  CHECK(passesFilter(true, packet->payload));
  CHECK(packet->flow.describe().starts_with("tcp 127.0.0.1:"));
  // ctorrent announced its listening port: the sender's socket outlives this connection.
  CHECK(verdict->listeningPort == 6881);
  const auto clues = listenerClues(packet->flow, *verdict);
  REQUIRE(clues.size() == 2);
  CHECK(clues[0].port == 6881);
  CHECK(clues[0].why == "named in its tracker announce");
  CHECK(clues[1].port == packet->flow.sourcePort);
}

TEST_CASE("the port an announce names") {
  const auto announce = [](const std::string& port) {
    return classifyPayload(true, "GET /announce?info_hash=%AA&peer_id=-XX-1" + port + " HTTP/1.1\r\nHost: t\r\n\r\n");
  };
  CHECK(announce("&port=51413")->listeningPort == 51413);
  CHECK(announce("&port=6882&uploaded=0")->listeningPort == 6882);
  CHECK(announce("&port=65535")->listeningPort == 65535);
  // Still an announce, but no port to go by: zero, out of range, not decimal, empty, too long.
  for (const std::string bad : {"&port=0", "&port=65536", "&port=99999999999999999999", "&port=-1", "&port=",
                                "&port=0x1AE1", "&port=6881%00", "&port=+6881", "&port=00006881", "&port=0881"}) {
    CAPTURE(bad);
    const auto verdict = announce(bad);
    REQUIRE(verdict);
    CHECK(verdict->listeningPort == 0);
  }
  CHECK_FALSE(announce(""));  // no port parameter: not an announce
  // A request without the port parameter but with "port=" inside another one is not an announce.
  CHECK_FALSE(announce("&support=6881"));
}

TEST_CASE("where a flow's sender is looked for when its socket has closed") {
  Flow accepted{true, "127.0.0.1", 6881, "127.0.0.1", 40512, false};
  const auto handshake = listenerClues(accepted, FlowVerdict{"bittorrent", "handshake", 0});
  REQUIRE(handshake.size() == 1);
  CHECK(handshake[0].port == 6881);
  CHECK(handshake[0].why == "the flow's local port: an accepted connection");
  // The announced port is not tried twice.
  CHECK(listenerClues(accepted, FlowVerdict{"bittorrent-tracker", "HTTP announce", 6881}).size() == 1);
  Flow udp{false, "127.0.0.1", 6881, "127.0.0.1", 6969, false};
  CHECK(listenerClues(udp, FlowVerdict{"bittorrent-dht", "KRPC query ping", 0}).empty());
}

TEST_CASE("DHT KRPC messages (BEP 5 examples)") {
  const std::string ping = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  auto verdict = classifyPayload(false, ping);
  REQUIRE(verdict);
  CHECK(verdict->protocol == "bittorrent-dht");
  CHECK(verdict->detail == "KRPC query ping");
  const std::string getPeers =
      "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
  REQUIRE(classifyPayload(false, getPeers));
  CHECK(classifyPayload(false, getPeers)->detail == "KRPC query get_peers");
  const std::string response = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
  REQUIRE(classifyPayload(false, response));
  for (const auto& message : {ping, getPeers, response}) CHECK(passesFilter(false, message));
}

TEST_CASE("look-alikes are not P2P: one string is never enough") {
  // The DHT prefix alone, an unterminated dictionary, a query with an unknown method.
  CHECK_FALSE(classifyPayload(false, "d1:ad2:id20:"));
  CHECK_FALSE(classifyPayload(false, "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q"));
  CHECK_FALSE(classifyPayload(false, "d1:ad2:id20:abcdefghij0123456789e1:q4:pong1:t2:aa1:y1:qe"));
  CHECK_FALSE(classifyPayload(false, "d1:ad2:id99:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"));
  // The protocol string inside a web page or a wireshark capture file, not at offset 0 with its length byte.
  const std::string page = "HTTP/1.1 200 OK\r\n\r\n<p>" + protocolString() + " explained</p>";
  CHECK_FALSE(classifyPayload(true, page));
  CHECK_FALSE(classifyPayload(true, "\x13" + protocolString()));  // too short for a handshake
  // A GET with only one tracker parameter, or without an HTTP version.
  CHECK_FALSE(classifyPayload(true, "GET /search?info_hash=abc HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK_FALSE(classifyPayload(true, "GET /announce?info_hash=a&peer_id=b&port=1\r\n"));
  CHECK_FALSE(classifyPayload(true, ""));
  CHECK_FALSE(classifyPayload(false, std::string(16, '\0')));
}

TEST_CASE("eD2k hello and the UDP tracker connect") {
  std::string hello = "\xE3";
  std::string body = "\x01\x10" + std::string(16, 'h') + std::string(6, 'x') + std::string(10, 't');
  const auto length = static_cast<char>(body.size());
  hello += std::string{length, '\0', '\0', '\0'} + body;
  REQUIRE(classifyPayload(true, hello));
  CHECK(classifyPayload(true, hello)->protocol == "ed2k");
  CHECK(passesFilter(true, hello));
  hello[1] = static_cast<char>(body.size() + 1);  // the length does not add up
  CHECK_FALSE(classifyPayload(true, hello));
  const std::string connect("\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x12\x34\x56\x78", 16);
  REQUIRE(classifyPayload(false, connect));
  CHECK(classifyPayload(false, connect)->protocol == "bittorrent-udp-tracker");
  CHECK(passesFilter(false, connect));
  // What the filter keeps from user space: a web page, TLS, a DNS query.
  CHECK_FALSE(passesFilter(true, "HTTP/1.1 200 OK\r\n"));
  CHECK_FALSE(passesFilter(true, std::string("\x16\x03\x01\x02\x00", 5)));
  CHECK_FALSE(passesFilter(false, std::string("\x12\x34\x01\x00\x00\x01", 6)));
}

TEST_CASE("the UDP tracker announce, whose start is the tracker's random connection id") {
  const std::string announce = udpAnnounce(51413);
  REQUIRE(announce.size() == 98);
  const auto verdict = classifyPayload(false, announce);
  REQUIRE(verdict);
  CHECK(verdict->protocol == "bittorrent-udp-tracker");
  std::string infoHash;
  for (int i = 0; i < 20; ++i) infoHash += "ab";
  CHECK(verdict->detail == "announce info_hash " + infoHash);
  CHECK(verdict->listeningPort == 51413);
  CHECK(passesFilter(false, announce));
  CHECK_FALSE(classifyPayload(true, announce));  // over TCP it is nothing
  // BEP 41's options after the fixed part: an end-of-options byte is fine, an unknown type is not.
  CHECK(classifyPayload(false, announce + std::string(1, '\0')));
  CHECK_FALSE(classifyPayload(false, announce + "\x07"));
  // The UDP flow's sender is looked for by the TCP port the announce names, not by its local port.
  Flow flow{false, "127.0.0.1", 40000, "127.0.0.1", 6969};
  const auto clues = listenerClues(flow, *verdict);
  REQUIRE(clues.size() == 1);
  CHECK(clues[0].port == 51413);
}

TEST_CASE("look-alikes of the UDP announce") {
  const std::string announce = udpAnnounce(6881);
  CHECK_FALSE(classifyPayload(false, announce.substr(0, 97)));  // one byte short
  CHECK_FALSE(classifyPayload(false, udpAnnounce(0)));          // no port
  auto changed = [&](std::size_t at, char byte) {
    std::string p = announce;
    p[at] = byte;
    return p;
  };
  CHECK_FALSE(classifyPayload(false, changed(11, '\x02')));  // action 2: a scrape, not an announce
  CHECK_FALSE(classifyPayload(false, changed(83, '\x04')));  // no such event
  CHECK_FALSE(classifyPayload(false, changed(64, '\x01')));  // 2^56 bytes left: not a torrent
  // A DNS query with one additional record (EDNS) has 00 00 00 01 at offset 8 too, but it is short;
  // the kernel filter wants 98 bytes before it looks, and the classifier finds no announce in it.
  // (The labels' lengths are literals of their own: "\x07e" would be one hex escape.)
  const std::string dns(
      "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x07"
      "example"
      "\x03"
      "com\x00\x00\x01\x00\x01",
      29);
  CHECK_FALSE(passesFilter(false, dns));
  CHECK_FALSE(classifyPayload(false, dns));
  // Random bytes of an announce's length: the filter may pass them (offset 8 happens to hold 1),
  // the classifier does not take them for an announce.
  std::string noise(120, '\x5a');
  noise.replace(8, 4, std::string("\x00\x00\x00\x01", 4));
  CHECK(passesFilter(false, noise));
  CHECK_FALSE(classifyPayload(false, noise));
}

TEST_CASE("Local Service Discovery (BEP 14): the request a client multicasts to the LAN") {
  const std::string infoHash = "0123456789abcdef0123456789abcdef01234567";
  const auto search = [&](const std::string& headers) { return "BT-SEARCH * HTTP/1.1\r\n" + headers + "\r\n\r\n"; };
  const std::string lsd =
      search("Host: 239.192.152.143:6771\r\nPort: 51413\r\nInfohash: " + infoHash + "\r\ncookie: 4f1a\r\n");
  const auto verdict = classifyPayload(false, lsd);
  REQUIRE(verdict);
  CHECK(verdict->protocol == "bittorrent-lsd");
  CHECK(verdict->detail == "local service discovery info_hash " + infoHash);
  CHECK(verdict->listeningPort == 51413);
  CHECK(passesFilter(false, lsd));
  CHECK_FALSE(classifyPayload(true, lsd));  // over TCP it is nothing
  // The older base32 form of the hash.
  CHECK(classifyPayload(false, search("Port: 6881\r\nInfohash: ABCDEFGHIJKLMNOPQRSTUVWXYZ234567\r\n")));
  // Look-alikes: no Infohash, a short or non-hex one, no Port, a port that is not one, another request.
  CHECK_FALSE(classifyPayload(false, search("Port: 6881\r\n")));
  CHECK_FALSE(classifyPayload(false, search("Port: 6881\r\nInfohash: 0123\r\n")));
  CHECK_FALSE(classifyPayload(false, search("Port: 6881\r\nInfohash: " + std::string(40, 'x') + "\r\n")));
  CHECK_FALSE(classifyPayload(false, search("Infohash: " + infoHash + "\r\n")));
  for (const std::string port : {"0", "65536", "68 81", "6881x", "", "06881"}) {
    CAPTURE(port);
    CHECK_FALSE(classifyPayload(false, search("Port: " + port + "\r\nInfohash: " + infoHash + "\r\n")));
  }
  CHECK_FALSE(classifyPayload(false, "M-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + infoHash + "\r\n\r\n"));
  CHECK_FALSE(classifyPayload(false, "BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: " + infoHash));  // unterminated
}

namespace {
std::string bytesOf(const char* hex) {
  std::string out;
  for (std::size_t i = 0; hex[i] != 0 && hex[i + 1] != 0; i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex + i, 2), nullptr, 16)));
  }
  return out;
}
// Recorded on loopback between two libtorrent 2.0.8 sessions (python3-libtorrent) with TCP off: the
// SYN from 127.0.0.1:7002 and the seeder's STATE from 7001 (connection id 0x6881, ack_nr = the SYN's
// seq_nr 0x3832); the data that followed was MSE-encrypted, no handshake text in it.
const std::string kUtpSyn = bytesOf("4100688149713fc3000000000000000038320000");
const std::string kUtpState = bytesOf("21006881497140da000000f10010000051cf3832");
const Flow kLeecher{false, "127.0.0.1", 7002, "127.0.0.1", 7001, false};
}  // namespace

TEST_CASE("uTP: a SYN answered by its STATE is a BitTorrent connection, neither datagram alone") {
  UtpHandshakes utp;
  const auto t0 = UtpHandshakes::Clock::now();
  CHECK_FALSE(classifyPayload(false, kUtpSyn));  // one datagram says nothing
  CHECK_FALSE(classifyPayload(false, kUtpState));
  CHECK(passesFilter(false, kUtpSyn));
  CHECK(passesFilter(false, kUtpState));
  CHECK_FALSE(utp.observe(kLeecher, kUtpSyn, t0));
  CHECK(utp.pending() == 1);
  CHECK_FALSE(utp.observe(kLeecher, kUtpState, t0));  // the SYN's own direction: no answer
  const auto verdict = utp.observe(reversed(kLeecher), kUtpState, t0 + std::chrono::milliseconds(1));
  REQUIRE(verdict);
  CHECK(verdict->protocol == "bittorrent-utp");
  CHECK(verdict->detail == "uTP connection 26753: SYN answered by STATE (BEP 29)");
  CHECK(verdict->listeningPort == 0);
  CHECK(utp.pending() == 0);
  CHECK_FALSE(utp.observe(reversed(kLeecher), kUtpState, t0));  // answered once
  CHECK(reversed(kLeecher).describe() == "udp 127.0.0.1:7001 -> 127.0.0.1:7002");
  // libutp's SYN carries its extension bits (type 2, 8 bytes): 30 bytes, still a bare header.
  std::string withBits = kUtpSyn;
  withBits[1] = 2;
  withBits += std::string("\x00\x08", 2) + std::string(8, '\0');
  CHECK(passesFilter(false, withBits));
  CHECK_FALSE(utp.observe(kLeecher, withBits, t0));
  CHECK(utp.observe(reversed(kLeecher), kUtpState, t0));
}

TEST_CASE("uTP look-alikes: no answer, another answer, late, with data, from elsewhere, malformed") {
  const auto t0 = UtpHandshakes::Clock::now();
  const auto answerAfter = [&](const std::string& syn, const Flow& from, const std::string& state,
                               UtpHandshakes::Clock::duration after) {
    UtpHandshakes utp;
    (void)utp.observe(kLeecher, syn, t0);
    return utp.observe(from, state, t0 + after).has_value();
  };
  const auto changed = [](std::string bytes, std::size_t at, char value) {
    bytes[at] = value;
    return bytes;
  };
  const auto ms = std::chrono::milliseconds(1);
  CHECK(answerAfter(kUtpSyn, reversed(kLeecher), kUtpState, ms));                             // the control
  CHECK_FALSE(answerAfter(kUtpSyn, reversed(kLeecher), changed(kUtpState, 19, '\x33'), ms));  // acks another seq_nr
  CHECK_FALSE(answerAfter(kUtpSyn, reversed(kLeecher), changed(kUtpState, 3, '\x82'), ms));   // another connection
  CHECK_FALSE(answerAfter(kUtpSyn, reversed(kLeecher), kUtpState, UtpHandshakes::kAnswerWithin + ms));  // too late
  CHECK_FALSE(answerAfter(kUtpSyn, reversed(kLeecher), kUtpState + "data", ms));  // a STATE carries no data
  CHECK_FALSE(answerAfter(kUtpSyn + "data", reversed(kLeecher), kUtpState, ms));  // nor does a SYN
  CHECK_FALSE(answerAfter(kUtpSyn, Flow{false, "127.0.0.2", 7001, "127.0.0.1", 7002, false}, kUtpState, ms));
  CHECK_FALSE(answerAfter(kUtpSyn, Flow{false, "127.0.0.1", 7003, "127.0.0.1", 7002, false}, kUtpState, ms));
  CHECK_FALSE(answerAfter(changed(kUtpSyn, 0, '\x42'), reversed(kLeecher), kUtpState, ms));  // version 2
  CHECK_FALSE(answerAfter(kUtpSyn, reversed(kLeecher), changed(kUtpState, 0, '\x11'), ms));  // a FIN, not a STATE
  // Extensions: a length past the datagram's end, an unknown type, a chain longer than four.
  CHECK_FALSE(answerAfter(changed(kUtpSyn, 1, '\x01') + std::string("\x00\xfa", 2), reversed(kLeecher), kUtpState, ms));
  CHECK_FALSE(answerAfter(changed(kUtpSyn, 1, '\x09') + std::string("\x00\x00", 2), reversed(kLeecher), kUtpState, ms));
  std::string chain = changed(kUtpSyn, 1, '\x01');
  for (int i = 0; i < 5; ++i) chain += std::string(i < 4 ? "\x01\x00" : "\x00\x00", 2);
  CHECK_FALSE(answerAfter(chain, reversed(kLeecher), kUtpState, ms));
  CHECK_FALSE(answerAfter(kUtpSyn.substr(0, 19), reversed(kLeecher), kUtpState, ms));  // short
  // Over TCP nothing is uTP.
  UtpHandshakes utp;
  CHECK_FALSE(utp.observe(Flow{true, "127.0.0.1", 7002, "127.0.0.1", 7001, false}, kUtpSyn, t0));
  CHECK(utp.pending() == 0);
  // QUIC's short packets may begin with 0x41 too; longer than a bare header, the kernel keeps them.
  CHECK_FALSE(passesFilter(false, kUtpSyn + std::string(30, '\x5a')));
  // A DNS query of 20 bytes whose id happens to be 0x4100 passes the filter; it is never answered by
  // a STATE.
  CHECK(passesFilter(false, bytesOf("41000100000100000000000002616200000100") + std::string(1, '\x01')));
}

TEST_CASE("uTP: a flood of SYNs is held to a bound") {
  UtpHandshakes utp;
  const auto t0 = UtpHandshakes::Clock::now();
  for (std::size_t i = 0; i < UtpHandshakes::kMaxPending * 3; ++i) {
    const Flow from{false, "10.0.0.1", static_cast<std::uint16_t>(1000 + i), "10.0.0.2", 7001, false};
    (void)utp.observe(from, kUtpSyn, t0);
    CHECK(utp.pending() <= UtpHandshakes::kMaxPending);
  }
  // Old ones make room first: after the window a new SYN finds space without dropping a fresh one.
  const auto later = t0 + UtpHandshakes::kAnswerWithin + std::chrono::seconds(1);
  CHECK_FALSE(utp.observe(kLeecher, kUtpSyn, later));
  CHECK(utp.observe(reversed(kLeecher), kUtpState, later));
}

TEST_CASE("IP parsing refuses what does not add up") {
  CHECK_FALSE(parseIpPacket(""));
  CHECK_FALSE(parseIpPacket(std::string(19, '\x45')));
  std::string bytes = fixture("bittorrent-handshake.ip");
  bytes[0] = '\x41';  // header length 4 bytes
  CHECK_FALSE(parseIpPacket(bytes));
  bytes = fixture("bittorrent-handshake.ip");
  bytes[9] = 1;  // ICMP
  CHECK_FALSE(parseIpPacket(bytes));
  CHECK_FALSE(parseIpPacket(fixture("bittorrent-handshake.ip").substr(0, 30)));
}

TEST_CASE("the kernel's socket tables") {
  const std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1AE1 0100007F:B7A2 01 00000000:00000000 00:00000000 00000000     0        0 12345 1 0\n"
      "   1: garbage\n"
      "   2: 00000000:1AE2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0\n";
  const auto entries = mamori::drivers::linux_os::parseProcNetSockets(tcp, false);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].localAddress == "127.0.0.1");
  CHECK(entries[0].localPort == 6881);
  CHECK(entries[0].remotePort == 47010);
  CHECK(entries[0].inode == 12345);
  CHECK(entries[0].state == 0x01);
  CHECK(entries[1].state == 0x0A);
  CHECK(entries[1].localAddress == "0.0.0.0");
  const std::string tcp6 =
      "  sl  local_address                         remote_address                        st\n"
      "   0: 00000000000000000000000001000000:1AE1 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 999 1 0\n";
  const auto six = mamori::drivers::linux_os::parseProcNetSockets(tcp6, true);
  REQUIRE(six.size() == 1);
  CHECK(six[0].localAddress == "::1");
}

TEST_CASE("a flow's sender by its listening socket, in its own network namespace only") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("mamori-sockets-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const std::string header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  // 100 and 200 listen on 6881 in two namespaces; 300 has an established connection from 6882.
  const auto process = [&](int pid, const std::string& netns, const std::string& table, std::uint64_t inode) {
    const fs::path dir = root / std::to_string(pid);
    fs::create_directories(dir / "fd");
    fs::create_directories(dir / "ns");
    fs::create_directories(dir / "net");
    fs::create_symlink(netns, dir / "ns" / "net");
    fs::create_symlink("socket:[" + std::to_string(inode) + "]", dir / "fd" / "5");
    std::ofstream(dir / "net" / "tcp") << header << table;
  };
  const std::string listen6881 =
      "   0: 00000000:1AE1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %s 1 0\n";
  const auto withInode = [&](std::string line, const std::string& inode) {
    return line.replace(line.find("%s"), 2, inode);
  };
  process(100, "net:[1]", withInode(listen6881, "111"), 111);
  process(200, "net:[2]", withInode(listen6881, "222"), 222);
  process(300, "net:[1]",
          "   0: 0100007F:1AE2 0100007F:B7A2 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0\n", 333);
  fs::create_symlink("net:[2]", root / "flow-namespace");
  using mamori::drivers::linux_os::findListener;
  const std::string procRoot = root.string();
  CHECK(findListener(procRoot, (root / "100" / "ns" / "net").string(), 6881, {100, 200, 300}) == 100);
  CHECK(findListener(procRoot, (root / "flow-namespace").string(), 6881, {100, 200, 300}) == 200);
  // Not a candidate (outside the scope): never named, even when it listens.
  CHECK_FALSE(findListener(procRoot, (root / "flow-namespace").string(), 6881, {100, 300}));
  // An established connection's port is no listener; an unknown namespace names nobody.
  CHECK_FALSE(findListener(procRoot, (root / "100" / "ns" / "net").string(), 6882, {100, 200, 300}));
  CHECK_FALSE(findListener(procRoot, (root / "missing").string(), 6881, {100, 200, 300}));
  CHECK_FALSE(findListener(procRoot, (root / "100" / "ns" / "net").string(), 0, {100, 200, 300}));
  fs::remove_all(root);
}
