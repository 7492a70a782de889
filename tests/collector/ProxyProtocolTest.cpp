// The PROXY protocol header parser and the trusted-balancer ranges (collector/proxy), with strings.

#include <doctest/doctest.h>

#include <string>

#include "collector/proxy/ProxyHeader.h"
#include "collector/proxy/ProxySources.h"
#include "collector/server/ConnectionRegistry.h"

using namespace mamori::collector;
using proxy::ProxyParseState;

namespace {

constexpr std::string_view kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

std::string v2(unsigned char command, unsigned char family, const std::string& body) {
  std::string header(kSignature);
  header += static_cast<char>(command);
  header += static_cast<char>(family);
  header += static_cast<char>(body.size() >> 8);
  header += static_cast<char>(body.size() & 0xff);
  return header + body;
}

std::string ipv4Body() { return std::string("\xc0\x00\x02\x07\x7f\x00\x00\x01\xc0\x01\x20\xfb", 12); }

}  // namespace

TEST_CASE("PROXY v1 lines give the client's address, with the header's exact length") {
  const std::string line = "PROXY TCP4 192.0.2.7 127.0.0.1 49153 8443\r\n";
  const auto parsed = proxy::parseProxyHeader(line + "\x16\x03\x01 the TLS hello");
  REQUIRE(parsed.state == ProxyParseState::Complete);
  CHECK(parsed.length == line.size());
  CHECK(parsed.sourceAddress == "192.0.2.7");
  const auto six = proxy::parseProxyHeader("PROXY TCP6 2001:db8::7 ::1 1 2\r\n");
  REQUIRE(six.state == ProxyParseState::Complete);
  CHECK(six.sourceAddress == "2001:db8::7");
  const auto unknown = proxy::parseProxyHeader("PROXY UNKNOWN whatever\r\n");
  REQUIRE(unknown.state == ProxyParseState::Complete);
  CHECK_FALSE(unknown.sourceAddress);
}

TEST_CASE("PROXY v2 headers: PROXY gives the address, LOCAL keeps the peer, extensions are skipped") {
  const auto proxyCommand = proxy::parseProxyHeader(v2(0x21, 0x11, ipv4Body()) + "\x16\x03\x01");
  REQUIRE(proxyCommand.state == ProxyParseState::Complete);
  CHECK(proxyCommand.length == 28);
  CHECK(proxyCommand.sourceAddress == "192.0.2.7");
  const auto withTlv = proxy::parseProxyHeader(v2(0x21, 0x11,
                                                  ipv4Body() + std::string("\x04\x00\x03"
                                                                           "abc",
                                                                           6)));
  REQUIRE(withTlv.state == ProxyParseState::Complete);
  CHECK(withTlv.length == 34);
  std::string six(36, '\0');
  six[0] = '\x20';
  six[1] = '\x01';
  six[2] = '\x0d';
  six[3] = '\xb8';
  six[15] = '\x07';
  const auto ipv6 = proxy::parseProxyHeader(v2(0x21, 0x21, six));
  REQUIRE(ipv6.state == ProxyParseState::Complete);
  CHECK(ipv6.sourceAddress == "2001:db8::7");
  const auto local = proxy::parseProxyHeader(v2(0x20, 0x00, ""));
  REQUIRE(local.state == ProxyParseState::Complete);
  CHECK(local.length == 16);
  CHECK_FALSE(local.sourceAddress);
  const auto unixSocket = proxy::parseProxyHeader(v2(0x21, 0x31, std::string(216, 'x')));
  REQUIRE(unixSocket.state == ProxyParseState::Complete);
  CHECK_FALSE(unixSocket.sourceAddress);
}

TEST_CASE("every beginning of a valid header asks for more bytes") {
  for (const std::string& header :
       {std::string("PROXY TCP4 192.0.2.7 127.0.0.1 49153 8443\r\n"), v2(0x21, 0x11, ipv4Body())}) {
    for (std::size_t n = 1; n < header.size(); ++n) {
      CAPTURE(n);
      CHECK(proxy::parseProxyHeader(header.substr(0, n)).state == ProxyParseState::NeedMore);
    }
    CHECK(proxy::parseProxyHeader(header).state == ProxyParseState::Complete);
  }
}

TEST_CASE("malformed or foreign headers are refused with a reason") {
  const char* v1Cases[] = {
      "\x16\x03\x01\x02\x00",                        // a TLS hello: no header at all
      "GET / HTTP/1.1\r\n",                          // plain HTTP
      "PROXY TCP5 192.0.2.7 127.0.0.1 1 2\r\n",      // unknown protocol
      "PROXY TCP4 192.0.2.7 127.0.0.1 1\r\n",        // a field missing
      "PROXY TCP4 192.0.2.7 127.0.0.1 1 2 3\r\n",    // a field too many
      "PROXY TCP4 2001:db8::7 127.0.0.1 1 2\r\n",    // IPv6 in TCP4
      "PROXY TCP4 192.0.2.777 127.0.0.1 1 2\r\n",    // not an address
      "PROXY TCP4 192.0.2.7 127.0.0.1 65536 2\r\n",  // port out of range
      "PROXY TCP4 192.0.2.7 127.0.0.1 01 2\r\n",     // leading zero
      "PROXY TCP4 192.0.2.7  127.0.0.1 1 2\r\n",     // two spaces
      "PROXY TCP4 192.0.2.7\n127.0.0.1 1 2\r\n",     // a stray line feed
  };
  for (const char* text : v1Cases) {
    CAPTURE(text);
    const auto parsed = proxy::parseProxyHeader(text);
    CHECK(parsed.state == ProxyParseState::Invalid);
    CHECK_FALSE(parsed.error.empty());
  }
  CHECK(proxy::parseProxyHeader("PROXY UNKNOWN " + std::string(120, 'x')).state == ProxyParseState::Invalid);
  CHECK(proxy::parseProxyHeader(v2(0x11, 0x11, ipv4Body())).state == ProxyParseState::Invalid);  // version 1
  CHECK(proxy::parseProxyHeader(v2(0x22, 0x11, ipv4Body())).state == ProxyParseState::Invalid);  // command 2
  CHECK(proxy::parseProxyHeader(v2(0x21, 0x41, ipv4Body())).state == ProxyParseState::Invalid);  // family 4
  CHECK(proxy::parseProxyHeader(v2(0x21, 0x11, "short")).state == ProxyParseState::Invalid);
  CHECK(proxy::parseProxyHeader(v2(0x21, 0x11, std::string(2000, 'x'))).state == ProxyParseState::Invalid);
}

TEST_CASE("balancer ranges match addresses and CIDR ranges of both families") {
  proxy::ProxySources sources;
  CHECK(sources.empty());
  REQUIRE(sources.add("10.1.0.0/16").ok());
  REQUIRE(sources.add("192.0.2.5").ok());
  REQUIRE(sources.add("fd00::/8").ok());
  REQUIRE(sources.add("10.9.8.7/31").ok());
  CHECK(sources.contains("10.1.200.3"));
  CHECK_FALSE(sources.contains("10.2.0.1"));
  CHECK(sources.contains("192.0.2.5"));
  CHECK_FALSE(sources.contains("192.0.2.6"));
  CHECK(sources.contains("::ffff:10.1.0.9"));  // a dual-stack listener's view of an IPv4 peer
  CHECK(sources.contains("fd12:3456::1"));
  CHECK_FALSE(sources.contains("fe80::1"));
  CHECK(sources.contains("10.9.8.6"));
  CHECK_FALSE(sources.contains("10.9.8.8"));
  CHECK_FALSE(sources.contains("not an address"));
  for (const char* bad : {"", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/8x", "host.example", "10.0.0.0/-1"}) {
    CAPTURE(bad);
    const auto added = sources.add(bad);
    REQUIRE_FALSE(added.ok());
    CHECK(added.error().where == "--proxy-protocol-from");
  }
  proxy::ProxySources everyone;
  REQUIRE(everyone.add("0.0.0.0/0").ok());
  CHECK(everyone.contains("203.0.113.9"));
  CHECK_FALSE(everyone.contains("2001:db8::1"));  // an IPv4 range never covers IPv6 peers
}

TEST_CASE("a connection counted under no address until readdress() names its client") {
  struct Nothing : server::Evictable {
    void evict() override {}
    void shutdown() override {}
  };
  auto connection = std::make_shared<Nothing>();
  server::ConnectionRegistry registry(10, 1);
  REQUIRE(registry.admit(1, "", connection).admission == server::Admission::Accepted);
  REQUIRE(registry.admit(2, "", connection).admission == server::Admission::Accepted);  // no cap for ""
  CHECK(registry.readdress(1, "192.0.2.7") == server::Admission::Accepted);
  CHECK(registry.readdress(2, "192.0.2.7") == server::Admission::RefusedPerAddress);
  CHECK(registry.admit(3, "192.0.2.7", connection).admission == server::Admission::RefusedPerAddress);
  registry.release(1);
  CHECK(registry.readdress(2, "192.0.2.7") == server::Admission::Accepted);
  CHECK(registry.open() == 1);
}
