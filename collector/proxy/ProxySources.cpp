#include "collector/proxy/ProxySources.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace mamori::collector::proxy {

namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool isMapped(const AddressBytes& address) {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.begin());
}

}  // namespace

std::optional<AddressBytes> parseAddress(std::string_view text) {
  // inet_pton wants a terminated string; an address is never longer than this.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  AddressBytes out{};
  in_addr v4{};
  if (inet_pton(AF_INET, buffer, &v4) == 1) {
    std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), out.begin());
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buffer, &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::string addressText(const AddressBytes& address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (isMapped(address)) {
    inet_ntop(AF_INET, address.data() + 12, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, address.data(), buffer, sizeof buffer);
  }
  return buffer;
}

common::Status ProxySources::add(std::string_view range) {
  const auto where = "--proxy-protocol-from";
  const auto slash = range.find('/');
  const auto address = parseAddress(range.substr(0, slash));
  if (!address) {
    return common::makeError("\"" + std::string(range) + "\" is not an IP address or ADDRESS/PREFIX range", where);
  }
  const bool v4 = isMapped(*address);
  int prefix = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    const auto digits = range.substr(slash + 1);
    const auto* end = digits.data() + digits.size();
    const auto parsed = std::from_chars(digits.data(), end, prefix);
    if (digits.empty() || parsed.ec != std::errc() || parsed.ptr != end || prefix < 0 || prefix > (v4 ? 32 : 128)) {
      return common::makeError("\"" + std::string(range) + "\" has a prefix length outside 0-" + (v4 ? "32" : "128"),
                               where);
    }
  }
  ranges_.push_back(Range{*address, v4 ? prefix + 96 : prefix});
  return common::Ok{};
}

bool ProxySources::contains(std::string_view address) const {
  const auto bytes = parseAddress(address);
  if (!bytes) return false;
  for (const auto& range : ranges_) {
    const int whole = range.prefixBits / 8;
    const int rest = range.prefixBits % 8;
    if (!std::equal(range.network.begin(), range.network.begin() + whole, bytes->begin())) continue;
    if (rest != 0) {
      const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
      if ((range.network[whole] & mask) != ((*bytes)[whole] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace mamori::collector::proxy
