#pragma once
// Little-endian fields of USB descriptors, read out of a byte string whose bounds the caller checked.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mamori::drivers::linux_os::usb_bytes {

inline std::uint8_t byteAt(std::string_view bytes, std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); }
inline std::uint16_t le16(std::string_view bytes, std::size_t i) {
  return static_cast<std::uint16_t>(byteAt(bytes, i) | (byteAt(bytes, i + 1) << 8U));
}
inline std::uint32_t le32(std::string_view bytes, std::size_t i) {
  return static_cast<std::uint32_t>(le16(bytes, i)) | (static_cast<std::uint32_t>(le16(bytes, i + 2)) << 16U);
}

}  // namespace mamori::drivers::linux_os::usb_bytes
