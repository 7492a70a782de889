// The packet sniffer's kernel filter on the real kernel (needs root, as CI runs; skipped otherwise
// with a message): in a network namespace of its own, only datagrams and segments whose payload
// starts with a wanted prefix reach user space.
#include <sched.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <thread>
#include <vector>

#include "common/UniqueFd.h"
#include "drivers/linux/PacketSniffer.h"
#include "drivers/linux/PayloadFilter.h"

using mamori::common::UniqueFd;

namespace {

// Runs `body` on a thread inside a new network namespace with lo up, so the test's traffic is its own.
template <class Body>
void inNewNamespace(Body body) {
  std::thread thread([&] {
    REQUIRE(::unshare(CLONE_NEWNET) == 0);
    const UniqueFd control(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    REQUIRE(::ioctl(control.get(), SIOCGIFFLAGS, &request) == 0);
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    REQUIRE(::ioctl(control.get(), SIOCSIFFLAGS, &request) == 0);
    body("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net");
  });
  thread.join();
}

// Datagrams from one loopback socket to another bound to a free port, in the current namespace.
class LoopbackDatagrams {
 public:
  LoopbackDatagrams() {
    address_.sin_family = AF_INET;
    address_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(receiver_.get(), reinterpret_cast<sockaddr*>(&address_), sizeof address_) == 0);
    socklen_t length = sizeof address_;
    REQUIRE(::getsockname(receiver_.get(), reinterpret_cast<sockaddr*>(&address_), &length) == 0);
  }
  void send(const std::string& payload) {
    REQUIRE(::sendto(sender_.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&address_),
                     sizeof address_) == static_cast<ssize_t>(payload.size()));
  }

 private:
  UniqueFd receiver_{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  UniqueFd sender_{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  sockaddr_in address_{};
};

// What the sniffer hands up until `wanted` packets came (or 5 s passed), then one more look: anything
// unwanted was sent before the wanted ones and would be there by then.
std::vector<std::string> collect(mamori::drivers::linux_os::PacketSniffer& sniffer, std::size_t wanted) {
  std::vector<std::string> seen;
  const auto keep = [&](const std::vector<mamori::drivers::CapturedPacket>& batch) {
    for (const auto& packet : batch) {
      CHECK(packet.direction == mamori::drivers::CapturedPacket::Direction::kLoopback);  // the tests' datagrams
      seen.push_back(packet.bytes);
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (seen.size() < wanted && std::chrono::steady_clock::now() < deadline) {
    auto batch = sniffer.drain(16);
    REQUIRE(batch.ok());
    keep(batch.value());
    if (seen.size() < wanted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto rest = sniffer.drain(16);
  REQUIRE(rest.ok());
  keep(rest.value());
  return seen;
}

}  // namespace

TEST_CASE("packet filter: prefixes of other lengths are refused") {
  mamori::drivers::PayloadPrefixes prefixes;
  prefixes.udp = {"abc"};
  CHECK_FALSE(mamori::drivers::linux_os::buildPayloadFilter(prefixes, 512).ok());
  prefixes.udp = {"d", "ab", "abcd"};
  CHECK(mamori::drivers::linux_os::buildPayloadFilter(prefixes, 512).ok());
  prefixes.udpMarks = {{8, "abc", 98}};
  CHECK_FALSE(mamori::drivers::linux_os::buildPayloadFilter(prefixes, 512).ok());
  prefixes.udpMarks = {{8, "abcd", 98}, {2, "ab", 0}};
  CHECK(mamori::drivers::linux_os::buildPayloadFilter(prefixes, 512).ok());
}

TEST_CASE("packet sniffer: a mark at an offset passes long enough payloads only") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: packet sockets and namespaces need root");
    return;
  }
  inNewNamespace([](const std::string& netns) {
    mamori::drivers::PayloadPrefixes prefixes;
    prefixes.udp = {"d"};
    prefixes.udpMarks = {{8, std::string("\x00\x00\x00\x01", 4), 98}};
    auto sniffer = mamori::drivers::linux_os::PacketSniffer::open(netns, prefixes);
    REQUIRE(sniffer.ok());
    LoopbackDatagrams datagrams;
    const auto send = [&](const std::string& payload) { datagrams.send(payload); };
    const std::string mark("\x00\x00\x00\x01", 4);
    std::string shortOne = "12345678" + mark + std::string(20, 'x');  // the mark, but 32 bytes
    std::string wrongMark = "12345678" + std::string("\x00\x00\x00\x02", 4) + std::string(100, 'x');
    std::string wanted = "abcdefgh" + mark + std::string(86, 'y');  // 98 bytes
    send(shortOne);
    send("x");  // shorter than any load: dropped, and the next packets still judged
    send(wrongMark);
    send(wanted);
    send("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe");
    const auto seen = collect(*sniffer.value(), 2);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].substr(28) == wanted);
    CHECK(seen[1].substr(28, 2) == "d1");
  });
}

TEST_CASE("packet sniffer: a mark with a longest length passes payloads between its bounds only") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: packet sockets and namespaces need root");
    return;
  }
  mamori::drivers::PayloadPrefixes refused;
  refused.udpMarks = {{0, "AB", 20, 10}};  // longest below shortest
  CHECK_FALSE(mamori::drivers::linux_os::buildPayloadFilter(refused, 512).ok());
  inNewNamespace([](const std::string& netns) {
    mamori::drivers::PayloadPrefixes prefixes;
    prefixes.udpMarks = {{0, std::string("\x41\x00", 2), 20, 20}, {0, std::string("\x41\x02", 2), 30, 30}};
    auto sniffer = mamori::drivers::linux_os::PacketSniffer::open(netns, prefixes);
    REQUIRE(sniffer.ok());
    LoopbackDatagrams datagrams;
    const auto send = [&](const std::string& payload) { datagrams.send(payload); };
    const std::string syn = std::string("\x41\x00", 2) + std::string(18, 's');
    const std::string synWithExtension = std::string("\x41\x02", 2) + std::string(28, 'e');
    send(syn + "x");                 // one byte too long
    send(syn.substr(0, 19));         // one byte short
    send(synWithExtension + "xyz");  // the second mark's start, too long
    send(syn);
    send(synWithExtension);
    const auto seen = collect(*sniffer.value(), 2);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].substr(28) == syn);
    CHECK(seen[1].substr(28) == synWithExtension);
  });
}

TEST_CASE("packet sniffer: only payloads with a wanted start leave the kernel") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: packet sockets and namespaces need root");
    return;
  }
  inNewNamespace([](const std::string& netns) {
    mamori::drivers::PayloadPrefixes prefixes;
    prefixes.udp = {"d", std::string("\x00\x00\x04\x17", 4)};
    prefixes.tcp = {"GET "};
    auto sniffer = mamori::drivers::linux_os::PacketSniffer::open(netns, prefixes);
    REQUIRE(sniffer.ok());
    LoopbackDatagrams datagrams;
    const auto send = [&](const std::string& payload) { datagrams.send(payload); };
    send("hello, not wanted");
    send("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe");
    send("");                                  // empty: nothing to classify
    send(std::string("\x00\x00\x04\x17", 4));  // the UDP tracker's id
    send("GET / HTTP/1.1\r\n\r\n");            // a tracker's start, but over UDP
    const auto seen = collect(*sniffer.value(), 2);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].substr(28, 2) == "d1");                             // after the IPv4 and UDP headers
    CHECK(seen[1].substr(28) == std::string("\x00\x00\x04\x17", 4));  // once (the outgoing copy dropped)
  });
}
