#include "drivers/linux/UsbStringDescriptorParser.h"

#include <algorithm>

#include "common/LittleEndian.h"

namespace mamori::drivers::linux_os {

namespace {

constexpr std::uint8_t kStringType = 3;

using common::byteAt;
using common::le16;
using common::le32;

common::Error bad(const std::string& why, const char* what) { return common::makeError(why, what); }

// The descriptor's payload: bLength clamped to what arrived, type checked.
common::Result<std::string_view> stringPayload(std::string_view bytes, const char* what) {
  if (bytes.size() < 2)
    return bad("shorter than a descriptor header (" + std::to_string(bytes.size()) + " bytes)", what);
  if (byteAt(bytes, 1) != kStringType) {
    return bad("descriptor type " + std::to_string(byteAt(bytes, 1)) + ", expected 3 (string)", what);
  }
  const std::size_t length = std::min<std::size_t>(byteAt(bytes, 0), bytes.size());
  if (length < 2) return bad("bLength below 2", what);
  return bytes.substr(2, length - 2);
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6U));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12U));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18U));
    out += static_cast<char>(0x80 | ((cp >> 12U) & 0x3FU));
    out += static_cast<char>(0x80 | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80 | (cp & 0x3FU));
  }
}

}  // namespace

common::Result<std::vector<std::uint16_t>> parseLanguageIds(std::string_view bytes) {
  auto payload = stringPayload(bytes, "usb language ids");
  if (!payload) return payload.error();
  std::vector<std::uint16_t> ids;
  for (std::size_t i = 0; i + 1 < payload.value().size(); i += 2) ids.push_back(le16(payload.value(), i));
  if (ids.empty()) return bad("no language id", "usb language ids");
  return ids;
}

common::Result<std::string> parseStringDescriptor(std::string_view bytes) {
  auto payload = stringPayload(bytes, "usb string descriptor");
  if (!payload) return payload.error();
  const std::string_view units = payload.value();
  std::string out;
  for (std::size_t i = 0; i + 1 < units.size(); i += 2) {
    const std::uint16_t unit = le16(units, i);
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < units.size()) {
      const std::uint16_t low = le16(units, i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        appendUtf8(out, 0x10000U + ((static_cast<std::uint32_t>(unit) - 0xD800U) << 10U) + (low - 0xDC00U));
        i += 2;
        continue;
      }
    }
    appendUtf8(out, unit >= 0xD800 && unit <= 0xDFFF ? 0xFFFDU : unit);
  }
  return out;
}

std::optional<std::uint8_t> parseMsOsSignature(std::string_view bytes) {
  // bLength 0x12, type 3, "MSFT100" in UTF-16LE (14 bytes), bMS_VendorCode, bPad.
  constexpr std::string_view kSignature{"M\0S\0F\0T\0001\0000\0000\0", 14};
  if (bytes.size() < 18 || byteAt(bytes, 0) < 18 || byteAt(bytes, 1) != kStringType) return std::nullopt;
  if (bytes.substr(2, kSignature.size()) != kSignature) return std::nullopt;
  return byteAt(bytes, 16);
}

common::Result<std::uint32_t> parseMsCompatIdLength(std::string_view header) {
  constexpr const char* kWhat = "ms os compat id descriptor";
  if (header.size() < kMsCompatHeaderBytes) {
    return bad("header of " + std::to_string(header.size()) + " bytes, expected 16", kWhat);
  }
  if (le16(header, 4) != 0x0100) return bad("bcdVersion is not 1.00", kWhat);
  if (le16(header, 6) != 0x0004) return bad("wIndex is not 4 (extended compat ID)", kWhat);
  const std::uint32_t length = le32(header, 0);
  if (length < kMsCompatHeaderBytes) return bad("dwLength " + std::to_string(length) + " below the header", kWhat);
  return length;
}

common::Result<std::vector<UsbMsOsFunction>> parseMsCompatIdDescriptor(std::string_view bytes) {
  constexpr const char* kWhat = "ms os compat id descriptor";
  auto length = parseMsCompatIdLength(bytes);
  if (!length) return length.error();
  const std::size_t count = byteAt(bytes, 8);
  if (count > kMaxMsCompatFunctions) return bad(std::to_string(count) + " functions, at most 32", kWhat);
  const std::size_t needed = kMsCompatHeaderBytes + kMsCompatFunctionBytes * count;
  if (length.value() < needed || bytes.size() < needed) {
    return bad(std::to_string(count) + " functions need " + std::to_string(needed) + " bytes, got " +
                   std::to_string(std::min<std::size_t>(length.value(), bytes.size())),
               kWhat);
  }
  // An 8-byte ASCII id, NUL padded: anything else is not a compat id.
  auto id = [&](std::size_t at, std::string& out) {
    for (std::size_t i = 0; i < 8; ++i) {
      const std::uint8_t c = byteAt(bytes, at + i);
      if (c == 0)
        return std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(at + i),
                           bytes.begin() + static_cast<std::ptrdiff_t>(at + 8), [](char z) { return z == 0; });
      if (c < 0x20 || c > 0x7E) return false;
      out += static_cast<char>(c);
    }
    return true;
  };
  std::vector<UsbMsOsFunction> functions;
  for (std::size_t n = 0; n < count; ++n) {
    const std::size_t at = kMsCompatHeaderBytes + kMsCompatFunctionBytes * n;
    UsbMsOsFunction function;
    function.firstInterface = byteAt(bytes, at);
    if (!id(at + 2, function.compatibleId) || !id(at + 10, function.subCompatibleId)) {
      return bad("function " + std::to_string(n) + ": compatible id is not NUL-padded ASCII", kWhat);
    }
    functions.push_back(std::move(function));
  }
  return functions;
}

}  // namespace mamori::drivers::linux_os
