#pragma once
// The PROXY protocol header (versions 1 and 2, as HAProxy's `send-proxy` and `send-proxy-v2` write
// it) that a load balancer in TCP mode puts in front of the client's bytes, so the collector learns
// the client's address instead of the balancer's. Pure: bytes in, verdict out. Only connections
// from the addresses named by --proxy-protocol-from are read this way (ProxySources); from anyone
// else a header would let a client claim any address.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::collector::proxy {

// The longest header read: a version 1 line is at most 107 bytes; version 2 allows 64 KiB of
// extensions (TLVs) but balancers send at most a few hundred bytes, and the header is read before
// anything else of the connection, so it is kept small.
inline constexpr std::size_t kMaxProxyHeaderBytes = 1024;

enum class ProxyParseState {
  Complete,  // a whole header: `length` bytes, then the client's own bytes (the TLS hello)
  NeedMore,  // a valid beginning; read more bytes (up to kMaxProxyHeaderBytes)
  Invalid,   // not a PROXY header, or a malformed one: the connection is closed
};

struct ProxyParse {
  ProxyParseState state = ProxyParseState::NeedMore;
  std::size_t length = 0;  // bytes of the header, when Complete
  // The client's address in text form (IPv4 dotted, IPv6 as inet_ntop writes it), when Complete and
  // the header carries one. Empty for the LOCAL command (the balancer's own health check) and for
  // UNKNOWN or non-IP families: the peer address then stays the connection's address.
  std::optional<std::string> sourceAddress;
  std::string error;  // why, when Invalid
};

// Reads the header at the start of `bytes` (what has arrived so far).
ProxyParse parseProxyHeader(std::string_view bytes);

}  // namespace mamori::collector::proxy
