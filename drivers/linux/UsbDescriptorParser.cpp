#include "drivers/linux/UsbDescriptorParser.h"

#include <algorithm>
#include <optional>

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
constexpr std::uint8_t kVendorSpecific = 0xff;
constexpr std::uint8_t kAudio = 0x01;
constexpr std::uint8_t kUac3 = 0x30;  // bInterfaceProtocol of USB Audio Class 3.0

using common::byteAt;
using common::le16;
common::Error bad(const std::string& why, std::size_t offset) {
  return common::makeError(why + " at byte " + std::to_string(offset), "usb descriptors");
}

// One configuration starting at pos; `end` is set to where the next one starts (its wTotalLength,
// clamped to what is there: the kernel stores each configuration at the length it parsed).
common::Result<UsbConfigurationDescriptors> parseConfiguration(std::string_view bytes, std::size_t pos,
                                                               std::size_t& end) {
  if (pos + kConfigLength > bytes.size() || byteAt(bytes, pos + 1) != kConfigType ||
      byteAt(bytes, pos) < kConfigLength) {
    return bad("no configuration descriptor", pos);
  }
  UsbConfigurationDescriptors config;
  config.value = byteAt(bytes, pos + 5);
  end = std::min(bytes.size(), pos + std::max<std::size_t>(le16(bytes, pos + 2), kConfigLength));
  pos += byteAt(bytes, pos);
  while (pos + 2 <= end) {
    const std::size_t length = byteAt(bytes, pos);
    if (length < 2) return bad("descriptor length below 2", pos);
    if (pos + length > end) return bad("descriptor runs past the configuration", pos);
    if (byteAt(bytes, pos + 1) == kInterfaceType) {
      if (length < kInterfaceLength) return bad("short interface descriptor", pos);
      if (byteAt(bytes, pos + 3) == 0) {  // alternate setting 0: what the kernel binds a driver to
        if (config.interfaces.size() >= kMaxInterfaces) return bad("more than 32 interfaces", pos);
        UsbInterface interface;
        interface.number = byteAt(bytes, pos + 2);
        interface.interfaceClass = byteAt(bytes, pos + 5);
        interface.subClass = byteAt(bytes, pos + 6);
        interface.protocol = byteAt(bytes, pos + 7);
        interface.stringIndex = byteAt(bytes, pos + 8);
        config.interfaces.push_back(interface);
      }
    }
    pos += length;
  }
  return config;
}

bool firstIs(const UsbConfigurationDescriptors& config, std::uint8_t cls, std::uint8_t sub, std::uint8_t protocol) {
  if (config.interfaces.empty()) return false;
  const UsbInterface& first = config.interfaces.front();
  return first.interfaceClass == cls && first.subClass == sub && first.protocol == protocol;
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
  const std::size_t count = std::min<std::size_t>(std::max<std::uint8_t>(out.configurations, 1), kMaxUsbConfigurations);
  while (out.configs.size() < count && pos < bytes.size()) {
    std::size_t end = pos;
    auto config = parseConfiguration(bytes, pos, end);
    if (!config) {
      if (out.configs.empty()) return config.error();
      break;  // a later one that does not parse: the ones before it stand
    }
    out.configs.push_back(std::move(config).value());
    pos = end;
  }
  out.interfaces = out.configs[chosenConfiguration(out)].interfaces;
  return out;
}

std::size_t chosenConfiguration(const UsbDescriptors& descriptors) {
  const auto& configs = descriptors.configs;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    if (configs[i].interfaces.empty()) {  // no first interface: only ever the fallback
      if (!best) best = i;
      continue;
    }
    const UsbInterface& first = configs[i].interfaces.front();
    if (first.interfaceClass == kAudio) {  // the first UAC3 configuration, else the first one
      if (first.protocol == kUac3) return i;
      if (i == 0) best = i;
      continue;
    }
    // A first configuration for RNDIS or ActiveSync is only kept: a later one that qualifies wins.
    const bool rndisOrActiveSync = i == 0 && configs.size() > 1 &&
                                   (firstIs(configs[i], 0x02, 0x02, 0xff) || firstIs(configs[i], 0xef, 0x01, 0x01));
    if (!rndisOrActiveSync && descriptors.deviceClass != kVendorSpecific && first.interfaceClass != kVendorSpecific) {
      return i;
    }
    if (!best) best = i;
  }
  return best.value_or(0);
}

}  // namespace mamori::drivers::linux_os
