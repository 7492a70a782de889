#pragma once
// Which peers may put a PROXY protocol header in front of their connection: the balancers named by
// --proxy-protocol-from, as addresses or CIDR ranges ("10.0.0.5", "10.0.0.0/24", "fd00::/8").
// Pure: parsing and matching of address text.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::collector::proxy {

// An IP address as 16 bytes: IPv4 addresses are held IPv4-mapped (::ffff:a.b.c.d), so a peer seen on
// a dual-stack listener matches the same range as on an IPv4 one.
using AddressBytes = std::array<std::uint8_t, 16>;

// "192.0.2.1", "2001:db8::1" or "::ffff:192.0.2.1"; nullopt for anything else.
std::optional<AddressBytes> parseAddress(std::string_view text);

// The text a connection is known by: IPv4 (also IPv4-mapped) dotted, IPv6 as inet_ntop writes it.
std::string addressText(const AddressBytes& address);

class ProxySources {
 public:
  // Adds "ADDRESS" or "ADDRESS/PREFIX" (IPv4 prefixes 0-32, IPv6 0-128). Errors name the text.
  common::Status add(std::string_view range);
  bool empty() const { return ranges_.empty(); }
  // Whether the peer's address (text as Asio or the registry has it) lies in one of the ranges.
  bool contains(std::string_view address) const;

 private:
  struct Range {
    AddressBytes network{};
    int prefixBits = 0;  // of the 128-bit form
  };
  std::vector<Range> ranges_;
};

}  // namespace mamori::collector::proxy
