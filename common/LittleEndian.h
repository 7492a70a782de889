#pragma once
// Little-endian integers in byte strings (file formats, USB descriptors, hashes), read at an offset
// whose bounds the caller has checked.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mamori::common {

inline std::uint8_t byteAt(std::string_view bytes, std::size_t at) { return static_cast<std::uint8_t>(bytes[at]); }
inline std::uint16_t le16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>(byteAt(bytes, at) | (byteAt(bytes, at + 1) << 8U));
}
inline std::uint32_t le32(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint32_t>(le16(bytes, at)) | (static_cast<std::uint32_t>(le16(bytes, at + 2)) << 16U);
}
inline std::uint64_t le64(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint64_t>(le32(bytes, at)) | (static_cast<std::uint64_t>(le32(bytes, at + 4)) << 32U);
}

}  // namespace mamori::common
