// What devices answer to string and Microsoft OS descriptor requests, as byte strings: well-formed
// answers from real devices and QEMU, and hostile ones (short, lying lengths, bad UTF-16, garbage).
#include <doctest/doctest.h>

#include <string>

#include "drivers/linux/UsbStringDescriptorParser.h"

using namespace mamori::drivers::linux_os;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

std::string stringDescriptor(const std::u16string& text) {
  std::string out = bytes({static_cast<int>(2 + 2 * text.size()), 3});
  for (char16_t c : text) {
    out += static_cast<char>(c & 0xFF);
    out += static_cast<char>(c >> 8);
  }
  return out;
}

// QEMU's usb-mtp and Android answer the header request with 16 bytes, then the whole descriptor.
std::string compatIds(std::initializer_list<std::pair<int, std::string>> functions) {
  std::string out =
      bytes({0, 0, 0, 0, 0x00, 0x01, 0x04, 0x00, static_cast<int>(functions.size()), 0, 0, 0, 0, 0, 0, 0});
  for (const auto& [first, id] : functions) {
    std::string function(24, '\0');
    function[0] = static_cast<char>(first);
    function[1] = 0x01;
    function.replace(2, id.size(), id);
    out += function;
  }
  const auto length = static_cast<std::uint32_t>(out.size());
  out[0] = static_cast<char>(length & 0xFF);
  out[1] = static_cast<char>(length >> 8);
  return out;
}

}  // namespace

TEST_CASE("language ids and strings") {
  auto ids = parseLanguageIds(bytes({4, 3, 0x09, 0x04}));
  REQUIRE(ids.ok());
  CHECK(ids.value() == std::vector<std::uint16_t>{0x0409});
  CHECK_FALSE(parseLanguageIds(bytes({2, 3})).ok());
  CHECK_FALSE(parseLanguageIds(bytes({4, 2, 0x09, 0x04})).ok());

  auto mtp = parseStringDescriptor(stringDescriptor(u"MTP"));
  REQUIRE(mtp.ok());
  CHECK(mtp.value() == "MTP");
  auto japanese = parseStringDescriptor(stringDescriptor(u"転送"));
  REQUIRE(japanese.ok());
  CHECK(japanese.value() == "転送");
  auto pair = parseStringDescriptor(stringDescriptor(u"\U0001F4F1"));  // a surrogate pair
  REQUIRE(pair.ok());
  CHECK(pair.value() == "\xF0\x9F\x93\xB1");
}

TEST_CASE("hostile strings: lying lengths, lone surrogates, odd bytes, wrong type") {
  // bLength says 255 but 8 bytes came: what came is used.
  auto clamped = parseStringDescriptor(bytes({255, 3, 'M', 0, 'T', 0, 'P', 0}));
  REQUIRE(clamped.ok());
  CHECK(clamped.value() == "MTP");
  // bLength shorter than what came: the rest is ignored ("MT", not "MTP").
  CHECK(parseStringDescriptor(bytes({6, 3, 'M', 0, 'T', 0, 'P', 0})).value() == "MT");
  // An odd trailing byte is dropped.
  CHECK(parseStringDescriptor(bytes({5, 3, 'M', 0, 'T'})).value() == "M");
  // A lone high and a lone low surrogate become U+FFFD each.
  CHECK(parseStringDescriptor(bytes({6, 3, 0x00, 0xD8, 'A', 0})).value() ==
        "\xEF\xBF\xBD"
        "A");
  CHECK(parseStringDescriptor(bytes({4, 3, 0x00, 0xDC})).value() == "\xEF\xBF\xBD");
  CHECK_FALSE(parseStringDescriptor("").ok());
  CHECK_FALSE(parseStringDescriptor(bytes({1})).ok());
  CHECK_FALSE(parseStringDescriptor(bytes({0, 3})).ok());
  CHECK_FALSE(parseStringDescriptor(bytes({8, 1, 'M', 0, 'T', 0, 'P', 0})).ok());
}

TEST_CASE("the Microsoft OS string at 0xEE") {
  std::string signature = stringDescriptor(u"MSFT100");
  signature[0] = 18;
  signature += bytes({0x51, 0x00});  // QEMU's vendor code 'Q'
  CHECK(parseMsOsSignature(signature) == std::optional<std::uint8_t>(0x51));
  CHECK_FALSE(parseMsOsSignature(signature.substr(0, 17)).has_value());
  std::string other = signature;
  other[2] = 'N';
  CHECK_FALSE(parseMsOsSignature(other).has_value());
  CHECK_FALSE(parseMsOsSignature(stringDescriptor(u"MTP")).has_value());
}

TEST_CASE("extended compat ID descriptors") {
  const std::string qemu = compatIds({{0, "MTP"}});
  auto length = parseMsCompatIdLength(qemu.substr(0, 16));
  REQUIRE(length.ok());
  CHECK(length.value() == 40);
  auto functions = parseMsCompatIdDescriptor(qemu);
  REQUIRE(functions.ok());
  REQUIRE(functions.value().size() == 1);
  CHECK(functions.value()[0].firstInterface == 0);
  CHECK(functions.value()[0].compatibleId == "MTP");
  CHECK(functions.value()[0].subCompatibleId.empty());

  auto two = parseMsCompatIdDescriptor(compatIds({{0, "MTP"}, {2, "WINUSB"}}));
  REQUIRE(two.ok());
  CHECK(two.value()[1].firstInterface == 2);
  CHECK(two.value()[1].compatibleId == "WINUSB");
}

TEST_CASE("hostile compat ID descriptors are refused with a reason") {
  const std::string good = compatIds({{0, "MTP"}});
  CHECK_FALSE(parseMsCompatIdLength(good.substr(0, 15)).ok());
  std::string version = good;
  version[5] = 0x02;
  CHECK(parseMsCompatIdLength(version).error().describe().find("bcdVersion") != std::string::npos);
  std::string index = good;
  index[6] = 0x05;
  CHECK_FALSE(parseMsCompatIdLength(index).ok());
  std::string tiny = good;
  tiny[0] = 4;
  CHECK_FALSE(parseMsCompatIdLength(tiny).ok());
  // A count of functions beyond what arrived, or beyond 32.
  std::string lying = good;
  lying[8] = 2;
  CHECK(parseMsCompatIdDescriptor(lying).error().describe().find("2 functions need 64 bytes") != std::string::npos);
  std::string many = good;
  many[8] = static_cast<char>(200);
  CHECK_FALSE(parseMsCompatIdDescriptor(many).ok());
  // dwLength shorter than the functions it lists.
  std::string shortLength = good;
  shortLength[0] = 20;
  CHECK_FALSE(parseMsCompatIdDescriptor(shortLength).ok());
  // Control characters or text after the NUL padding: not a compat id.
  std::string control = good;
  control[18] = 0x07;
  CHECK_FALSE(parseMsCompatIdDescriptor(control).ok());
  std::string afterNul = good;
  afterNul[23] = 'X';
  CHECK_FALSE(parseMsCompatIdDescriptor(afterNul).ok());
  // The whole 8 bytes used, no NUL: fine.
  auto eight = parseMsCompatIdDescriptor(compatIds({{0, "ABCDEFGH"}}));
  REQUIRE(eight.ok());
  CHECK(eight.value()[0].compatibleId == "ABCDEFGH");
}
