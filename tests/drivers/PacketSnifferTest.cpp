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

}  // namespace

TEST_CASE("packet filter: prefixes of other lengths are refused") {
  mamori::drivers::PayloadPrefixes prefixes;
  prefixes.udp = {"abc"};
  CHECK_FALSE(mamori::drivers::linux_os::buildPayloadFilter(prefixes, 512).ok());
  prefixes.udp = {"d", "ab", "abcd"};
  CHECK(mamori::drivers::linux_os::buildPayloadFilter(prefixes, 512).ok());
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
    const UniqueFd receiver(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(receiver.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(receiver.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const UniqueFd sender(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const auto send = [&](const std::string& payload) {
      REQUIRE(::sendto(sender.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&address),
                       sizeof address) == static_cast<ssize_t>(payload.size()));
    };
    send("hello, not wanted");
    send("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe");
    send("");                                  // empty: nothing to classify
    send(std::string("\x00\x00\x04\x17", 4));  // the UDP tracker's id
    send("GET / HTTP/1.1\r\n\r\n");            // a tracker's start, but over UDP
    std::vector<std::string> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (seen.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      auto batch = sniffer.value()->drain(16);
      REQUIRE(batch.ok());
      seen.insert(seen.end(), batch.value().begin(), batch.value().end());
      if (seen.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Anything else would have been sent before the two wanted ones arrived: one more look.
    auto rest = sniffer.value()->drain(16);
    REQUIRE(rest.ok());
    seen.insert(seen.end(), rest.value().begin(), rest.value().end());
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].substr(28, 2) == "d1");                             // after the IPv4 and UDP headers
    CHECK(seen[1].substr(28) == std::string("\x00\x00\x04\x17", 4));  // once (the outgoing copy dropped)
  });
}
