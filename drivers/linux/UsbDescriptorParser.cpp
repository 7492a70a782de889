#include "drivers/linux/UsbDescriptorParser.h"

#include "common/LittleEndian.h"

namespace mamori::drivers::linux_os {

namespace {
constexpr std::uint8_t kDeviceType = 1;
constexpr std::uint8_t kConfigType = 2;
constexpr std::uint8_t kInterfaceType = 4;
constexpr std::size_t kDeviceLength = 18;
constexpr std::size_t kConfigLength = 9;
constexpr std::size_t kInterfaceLength = 9;
// A device has at most 32 interfaces in practice (the kernel's USB_MAXINTERFACES).
constexpr std::size_t kMaxInterfaces = 32;

using common::byteAt;
using common::le16;
common::Error bad(const std::string& why, std::size_t offset) {
  return common::makeError(why + " at byte " + std::to_string(offset), "usb descriptors");
}
}  // namespace

common::Result<UsbDescriptors> parseUsbDescriptors(std::string_view bytes) {
  if (bytes.size() < kDeviceLength || byteAt(bytes, 0) < kDeviceLength || byteAt(bytes, 1) != kDeviceType) {
    return bad("no device descriptor", 0);
  }
  UsbDescriptors out;
  out.deviceClass = byteAt(bytes, 4);
  out.vendorId = le16(bytes, 8);
  out.productId = le16(bytes, 10);
  out.configurations = byteAt(bytes, 17);
  std::size_t pos = byteAt(bytes, 0);
  if (pos >= bytes.size()) return out;  // no configuration read (yet): no interfaces known
  if (pos + kConfigLength > bytes.size() || byteAt(bytes, pos + 1) != kConfigType ||
      byteAt(bytes, pos) < kConfigLength) {
    return bad("no configuration descriptor", pos);
  }
  // The first configuration only: its wTotalLength bounds the walk (clamped to what is there).
  const std::size_t configEnd = std::min(bytes.size(), pos + le16(bytes, pos + 2));
  pos += byteAt(bytes, pos);
  while (pos + 2 <= configEnd) {
    const std::size_t length = byteAt(bytes, pos);
    if (length < 2) return bad("descriptor length below 2", pos);
    if (pos + length > configEnd) return bad("descriptor runs past the configuration", pos);
    if (byteAt(bytes, pos + 1) == kInterfaceType) {
      if (length < kInterfaceLength) return bad("short interface descriptor", pos);
      if (byteAt(bytes, pos + 3) == 0) {  // alternate setting 0: what the kernel binds a driver to
        if (out.interfaces.size() >= kMaxInterfaces) return bad("more than 32 interfaces", pos);
        UsbInterface interface;
        interface.number = byteAt(bytes, pos + 2);
        interface.interfaceClass = byteAt(bytes, pos + 5);
        interface.subClass = byteAt(bytes, pos + 6);
        interface.protocol = byteAt(bytes, pos + 7);
        interface.stringIndex = byteAt(bytes, pos + 8);
        out.interfaces.push_back(interface);
      }
    }
    pos += length;
  }
  return out;
}

}  // namespace mamori::drivers::linux_os
