#include "drivers/linux/UsbfsDevice.h"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>

namespace mamori::drivers::linux_os {

namespace {
constexpr std::uint16_t kMaxControlBytes = 4096;
constexpr std::uint8_t kGetDescriptor = 0x06;
constexpr std::uint8_t kStringType = 0x03;
constexpr std::uint8_t kDeviceToHostStandardDevice = 0x80;
}  // namespace

common::Result<UsbfsDevice> UsbfsDevice::open(const std::string& devRoot, std::uint16_t bus, std::uint16_t device) {
  if (bus == 0 || device == 0) return common::makeError("bus or device number unknown", devRoot + "/bus/usb");
  char name[32];
  std::snprintf(name, sizeof name, "/bus/usb/%03u/%03u", static_cast<unsigned>(bus), static_cast<unsigned>(device));
  std::string path = devRoot + name;
  common::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  return UsbfsDevice(std::move(fd), std::move(path));
}

common::Result<std::string> UsbfsDevice::controlIn(std::uint8_t requestType, std::uint8_t request, std::uint16_t value,
                                                   std::uint16_t index, std::uint16_t length,
                                                   unsigned timeoutMs) const {
  std::array<char, kMaxControlBytes> buffer{};
  usbdevfs_ctrltransfer transfer{};
  transfer.bRequestType = static_cast<std::uint8_t>(requestType | 0x80U);  // always device-to-host
  transfer.bRequest = request;
  transfer.wValue = value;
  transfer.wIndex = index;
  transfer.wLength = std::min(length, kMaxControlBytes);
  transfer.timeout = timeoutMs;
  transfer.data = buffer.data();
  int n = -1;
  do {
    n = ::ioctl(fd_.get(), USBDEVFS_CONTROL, &transfer);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    char what[64];
    std::snprintf(what, sizeof what, "control request %02x/%02x value %04x index %04x", requestType, request, value,
                  index);
    return common::makeError(what, path_, errno);
  }
  return std::string(buffer.data(), static_cast<std::size_t>(std::min<int>(n, transfer.wLength)));
}

common::Result<std::string> UsbfsDevice::stringDescriptor(std::uint8_t index, std::uint16_t language,
                                                          unsigned timeoutMs) const {
  return controlIn(kDeviceToHostStandardDevice, kGetDescriptor, static_cast<std::uint16_t>((kStringType << 8U) | index),
                   language, 255, timeoutMs);
}

}  // namespace mamori::drivers::linux_os
