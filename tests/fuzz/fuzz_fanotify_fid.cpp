// The info records of an fanotify rename event come from the kernel, but are parsed by length fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Result.h"
#include "drivers/linux/FanotifyFidRecords.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto records = mamori::drivers::linux_os::parseFidRecords(bytes)) {
    for (const auto& record : records.value()) {
      MAMORI_ASSERT(record.handle.size() >= 8 && record.handle.size() <= 8 + 128);
      MAMORI_ASSERT(record.name.find('/') == std::string::npos);
    }
  }
  return 0;
}
