#include "collector/proxy/ProxyHeader.h"

#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

#include "collector/proxy/ProxySources.h"

namespace mamori::collector::proxy {

namespace {

constexpr std::string_view kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);
constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kV1MaxBytes = 107;  // the longest line the specification allows, CRLF included
constexpr std::size_t kV2FixedBytes = 16;

ProxyParse invalid(std::string error) {
  ProxyParse out;
  out.state = ProxyParseState::Invalid;
  out.error = std::move(error);
  return out;
}

ProxyParse complete(std::size_t length, std::optional<std::string> source) {
  ProxyParse out;
  out.state = ProxyParseState::Complete;
  out.length = length;
  out.sourceAddress = std::move(source);
  return out;
}

// Whether `bytes` is a beginning of `prefix` or starts with it.
bool agreesWith(std::string_view bytes, std::string_view prefix) {
  const auto n = std::min(bytes.size(), prefix.size());
  return bytes.substr(0, n) == prefix.substr(0, n);
}

std::vector<std::string_view> splitSpaces(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const auto space = line.find(' ');
    fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) return fields;
    line.remove_prefix(space + 1);
  }
}

bool isPort(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text.front() == '0')) return false;
  unsigned value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  return parsed.ec == std::errc() && parsed.ptr == text.data() + text.size() && value <= 65535;
}

// An address of the family the line names, in that family's own notation (no IPv4 inside TCP6).
bool isAddressOf(std::string_view text, int family) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  std::copy(text.begin(), text.end(), buffer.begin());
  std::array<std::uint8_t, 16> ignored{};
  return inet_pton(family, buffer.data(), ignored.data()) == 1;
}

// "PROXY TCP4 192.0.2.1 198.51.100.2 51234 8443\r\n" or "PROXY UNKNOWN[ anything]\r\n".
ProxyParse parseVersion1(std::string_view bytes) {
  const auto end = bytes.substr(0, kV1MaxBytes).find("\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() >= kV1MaxBytes) return invalid("PROXY protocol v1 line longer than 107 bytes");
    // A line break is only allowed as the line's end (a lone CR may be the first half of it).
    const auto rest = bytes.substr(kV1Prefix.size());
    const auto lineBreak = rest.find_first_of("\r\n");
    if (lineBreak != std::string_view::npos && !(rest[lineBreak] == '\r' && lineBreak + 1 == rest.size())) {
      return invalid("PROXY protocol v1 line has a stray line break");
    }
    return ProxyParse{};
  }
  const auto line = bytes.substr(kV1Prefix.size(), end - kV1Prefix.size());
  const auto fields = splitSpaces(line);
  if (fields.front() == "UNKNOWN") return complete(end + 2, std::nullopt);
  const int family = fields.front() == "TCP4" ? AF_INET : fields.front() == "TCP6" ? AF_INET6 : 0;
  if (family == 0) return invalid("PROXY protocol v1 line names protocol other than TCP4, TCP6 or UNKNOWN");
  if (fields.size() != 5) return invalid("PROXY protocol v1 line does not have 5 fields after PROXY");
  if (!isAddressOf(fields[1], family) || !isAddressOf(fields[2], family)) {
    return invalid("PROXY protocol v1 line has an address that is not of its protocol");
  }
  if (!isPort(fields[3]) || !isPort(fields[4])) return invalid("PROXY protocol v1 line has a bad port");
  const auto source = parseAddress(fields[1]);
  return complete(end + 2, addressText(*source));
}

// The binary header: signature, version/command, family/transport, length, addresses, TLVs.
ProxyParse parseVersion2(std::string_view bytes) {
  if (bytes.size() < kV2FixedBytes) return ProxyParse{};
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  if ((byte(12) & 0xF0) != 0x20) return invalid("PROXY protocol v2 header of an unknown version");
  const int command = byte(12) & 0x0F;
  if (command > 1) return invalid("PROXY protocol v2 header with an unknown command");
  const int family = byte(13) >> 4;
  const int transport = byte(13) & 0x0F;
  if (family > 3 || transport > 2) return invalid("PROXY protocol v2 header with an unknown address family");
  const std::size_t length = kV2FixedBytes + ((std::size_t{byte(14)} << 8) | byte(15));
  if (length > kMaxProxyHeaderBytes) return invalid("PROXY protocol v2 header longer than 1024 bytes");
  if (bytes.size() < length) return ProxyParse{};
  // LOCAL: the balancer speaks for itself (its health check); the peer address stays.
  if (command == 0) return complete(length, std::nullopt);
  const std::size_t addressBytes = family == 1 ? 12 : family == 2 ? 36 : family == 3 ? 216 : 0;
  if (length - kV2FixedBytes < addressBytes) return invalid("PROXY protocol v2 header shorter than its addresses");
  if (transport != 1 || (family != 1 && family != 2)) return complete(length, std::nullopt);
  AddressBytes source{};
  if (family == 1) {
    source[10] = source[11] = 0xff;
    for (std::size_t i = 0; i < 4; ++i) source[12 + i] = byte(kV2FixedBytes + i);
  } else {
    for (std::size_t i = 0; i < 16; ++i) source[i] = byte(kV2FixedBytes + i);
  }
  return complete(length, addressText(source));
}

}  // namespace

ProxyParse parseProxyHeader(std::string_view bytes) {
  if (bytes.empty()) return ProxyParse{};
  if (agreesWith(bytes, kV2Signature)) {
    return bytes.size() < kV2Signature.size() ? ProxyParse{} : parseVersion2(bytes);
  }
  if (agreesWith(bytes, kV1Prefix)) {
    return bytes.size() < kV1Prefix.size() ? ProxyParse{} : parseVersion1(bytes);
  }
  return invalid("no PROXY protocol header from a balancer named by --proxy-protocol-from");
}

}  // namespace mamori::collector::proxy
