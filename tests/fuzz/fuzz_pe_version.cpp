// PE version resources are read from any file a Wine process is asked to run: whatever the bytes,
// the parser answers with bounded, valid UTF-8 strings or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/PeVersionInfo.h"
#include "common/Utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  namespace common = mamori::common;
  auto info = common::peVersionInfo(bytes);
  if (info) {
    MAMORI_ASSERT(common::looksLikePe(bytes));
    MAMORI_ASSERT(info.value().strings.size() <= common::kMaxPeVersionStrings);
    for (const auto& s : info.value().strings) {
      MAMORI_ASSERT(s.value.size() <= common::kMaxPeVersionValueBytes && s.key.size() <= 128);
      MAMORI_ASSERT(common::isValidUtf8(s.key) && common::isValidUtf8(s.value));
    }
  }
  return 0;
}
