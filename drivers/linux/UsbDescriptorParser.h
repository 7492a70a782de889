#pragma once
// Parsing of the raw descriptors the kernel exposes in sysfs (the `descriptors` file: the device
// descriptor followed by every configuration descriptor with its interfaces and endpoints). Pure and
// fuzzed: a device may send anything. Needed because an unauthorized device has no interface
// directories in sysfs, and its interface classes decide whether it may be authorized.

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "drivers/include/UsbDevice.h"

namespace mamori::drivers::linux_os {

// The kernel keeps at most 8 configurations of a device (USB_MAXCONFIG).
inline constexpr std::size_t kMaxUsbConfigurations = 8;

struct UsbConfigurationDescriptors {
  std::uint8_t value = 0;  // bConfigurationValue: what sysfs bConfigurationValue shows once it is active
  // Alternate setting 0 of each interface, in descriptor order (name empty).
  std::vector<UsbInterface> interfaces;
};

struct UsbDescriptors {
  std::uint16_t vendorId = 0;
  std::uint16_t productId = 0;
  std::uint8_t deviceClass = 0;
  std::uint8_t configurations = 0;  // bNumConfigurations
  // The configurations in the file, in order; a later one that does not parse ends the list (the
  // first one must parse).
  std::vector<UsbConfigurationDescriptors> configs;
  // The interfaces of the configuration the kernel selects when the device is authorized
  // (chosenConfiguration); empty when no configuration was read.
  std::vector<UsbInterface> interfaces;
};

common::Result<UsbDescriptors> parseUsbDescriptors(std::string_view bytes);

// Which of configs the kernel configures (usb_choose_configuration in drivers/usb/core/generic.c,
// without its bus-power rule): for audio the first UAC3 configuration, else the first one; otherwise
// the first whose first interface is not vendor-specific (0xff) in a device whose class is not
// vendor-specific, a first configuration that is RNDIS or ActiveSync (Debian's kernels have the
// RNDIS host driver) kept only when no later one qualifies; else the first. An index into configs
// (0 when it is empty). Only a prediction: DeviceControl checks the interfaces the kernel configured
// against the decided ones.
std::size_t chosenConfiguration(const UsbDescriptors& descriptors);

}  // namespace mamori::drivers::linux_os
