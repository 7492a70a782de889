// The PROXY protocol header is read from a balancer's connection before anything else (--proxy-protocol-from).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/proxy/ProxyHeader.h"
#include "collector/proxy/ProxySources.h"
#include "common/Result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::collector::proxy;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  const auto parsed = parseProxyHeader(bytes);
  if (parsed.state == ProxyParseState::Complete) {
    MAMORI_ASSERT(parsed.length > 0 && parsed.length <= bytes.size() && parsed.length <= kMaxProxyHeaderBytes);
    // Whatever address a header names is one the registry and the audit trail can hold as text.
    if (parsed.sourceAddress) MAMORI_ASSERT(parseAddress(*parsed.sourceAddress).has_value());
  }
  if (parsed.state == ProxyParseState::Invalid) MAMORI_ASSERT(!parsed.error.empty());
  // The same bytes as a --proxy-protocol-from value.
  ProxySources sources;
  if (sources.add(bytes.substr(0, 64)).ok()) MAMORI_ASSERT(!sources.empty());
  return 0;
}
