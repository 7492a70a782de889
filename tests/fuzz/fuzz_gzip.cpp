// Upload bodies arrive gzip-compressed: inflation must stay within its bound whatever the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Gzip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kLimit = 1 << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  auto inflated = mamori::common::gzipDecompress(bytes, kLimit);
  if (inflated) {
    MAMORI_ASSERT(inflated.value().size() <= kLimit);
    auto round = mamori::common::gzipDecompress(mamori::common::gzipCompress(inflated.value()), kLimit);
    MAMORI_ASSERT(round.ok() && round.value() == inflated.value());
  }
  return 0;
}
