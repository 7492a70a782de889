#pragma once
// Which process owns a network flow: /proc/PID/net/{tcp,tcp6,udp,udp6} (the sockets of PID's network
// namespace) give the socket inode of a local endpoint, /proc/PID/fd links ("socket:[INODE]") the
// processes holding it. The table parser is pure (tests, fuzzing); the lookup reads a procfs root.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace mamori::drivers::linux_os {

struct SocketEntry {
  std::string localAddress;  // textual, "127.0.0.1" / "::1"
  std::uint16_t localPort = 0;
  std::string remoteAddress;
  std::uint16_t remotePort = 0;
  std::uint64_t inode = 0;
  std::uint8_t state = 0;  // the kernel's TCP state (0x0A = LISTEN; UDP sockets show 0x07 or 0x01)
};

// One /proc/net/{tcp,udp}[6] file. ipv6: the file's family. Lines that do not parse are skipped.
std::vector<SocketEntry> parseProcNetSockets(std::string_view text, bool ipv6);

struct FlowEndpoints {
  bool tcp = true;
  bool ipv6 = false;
  std::string localAddress;  // the sending side
  std::uint16_t localPort = 0;
  std::string remoteAddress;
  std::uint16_t remotePort = 0;
};

// The pid among candidates whose socket sends the flow (local endpoint = the packet's source; for
// TCP the remote endpoint must match too). nullopt when none does (it ended, or is not a candidate).
std::optional<pid_t> findFlowOwner(const std::string& procRoot, const FlowEndpoints& flow,
                                   const std::vector<pid_t>& candidates);

// The pid among candidates in the network namespace that the link netnsLink names ("/proc/self/ns/net",
// "/proc/PID/ns/net") holding a TCP socket that listens on port: the owner of a flow whose own socket
// is gone, found by a socket that outlives it (the port a tracker announce names, or the local port
// of an accepted connection). nullopt when none does, or the namespace cannot be named.
std::optional<pid_t> findListener(const std::string& procRoot, const std::string& netnsLink, std::uint16_t port,
                                  const std::vector<pid_t>& candidates);

}  // namespace mamori::drivers::linux_os
