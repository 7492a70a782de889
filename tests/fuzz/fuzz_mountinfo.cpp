// /proc/self/mountinfo text (drivers/linux/MountInfoParser.h): the kernel writes it, but mount points
// are chosen by users (escapes, spaces, odd bytes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/linux/MountInfoParser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto mounts = mamori::drivers::linux_os::parseMountInfo(text)) {
    for (const auto& mount : mounts.value())
      MAMORI_ASSERT(!mount.mountPoint.empty() && mount.mountPoint.front() == '/');
    (void)mamori::drivers::linux_os::mountPointsCovering(mounts.value(), {"/home", "/"});
  }
  return 0;
}
