#include "drivers/linux/LinuxUsbBus.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "common/Files.h"
#include "common/UniqueFd.h"
#include "drivers/linux/UsbDescriptorParser.h"
#include "drivers/linux/UsbStringDescriptorParser.h"
#include "drivers/linux/UsbfsDevice.h"

namespace mamori::drivers::linux_os {

namespace fs = std::filesystem;

namespace {

// sysfs attributes are small; the raw descriptors of a device with many configurations are the largest.
constexpr std::size_t kMaxAttributeBytes = std::size_t{64} * 1024;

common::Result<std::string> readRaw(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  auto text = common::readAll(fd.get(), kMaxAttributeBytes);
  if (!text) {
    common::Error error = text.error();
    error.where = path;
    return error;
  }
  return text;
}

common::Result<unsigned> hexAttribute(const std::string& path, unsigned max) {
  auto text = readSysfsAttribute(path);
  if (!text) return text.error();
  unsigned value = 0;
  const std::string& s = text.value();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || end != s.data() + s.size() || value > max) {
    return common::makeError("expected a hex number, found \"" + s + "\"", path);
  }
  return value;
}

// busnum and devnum are decimal; 0 when absent or not a number (usbfs is then not tried).
std::uint16_t decimalAttribute(const std::string& path) {
  auto text = readSysfsAttribute(path);
  if (!text) return 0;
  unsigned value = 0;
  const std::string& s = text.value();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 10);
  return ec == std::errc() && end == s.data() + s.size() && value <= 0xFFFF ? static_cast<std::uint16_t>(value) : 0;
}

std::string optionalAttribute(const std::string& path) {
  auto text = readSysfsAttribute(path);
  return text ? text.value() : std::string();
}

}  // namespace

std::string readOptionalSysfsAttribute(const std::string& path) {
  auto text = readSysfsAttribute(path);
  return text ? text.value() : std::string();
}

std::string relativeTo(const std::string& root, const fs::path& dir) {
  std::error_code ec;
  const fs::path realRoot = fs::canonical(root, ec);
  if (ec) return {};
  const fs::path real = fs::canonical(dir, ec);
  if (ec) return {};
  const std::string r = realRoot.string();
  const std::string d = real.string();
  if (d.size() <= r.size() || d.compare(0, r.size(), r) != 0 || d[r.size()] != '/') return {};
  return d.substr(r.size());
}

namespace {

common::Result<UsbInterface> readInterface(const std::string& dir, const std::string& name) {
  UsbInterface interface;
  interface.name = name;
  auto number = hexAttribute(dir + "/bInterfaceNumber", 0xFF);
  auto cls = hexAttribute(dir + "/bInterfaceClass", 0xFF);
  if (!number) return number.error();
  if (!cls) return cls.error();
  interface.number = static_cast<std::uint8_t>(number.value());
  interface.interfaceClass = static_cast<std::uint8_t>(cls.value());
  auto sub = hexAttribute(dir + "/bInterfaceSubClass", 0xFF);
  auto protocol = hexAttribute(dir + "/bInterfaceProtocol", 0xFF);
  interface.subClass = sub ? static_cast<std::uint8_t>(sub.value()) : 0;
  interface.protocol = protocol ? static_cast<std::uint8_t>(protocol.value()) : 0;
  // Kernels without interface authorization have no such file: the interface is usable.
  interface.authorized = optionalAttribute(dir + "/authorized") != "0";
  // The string the kernel read when it configured the device; absent when it has none or could not
  // read it (the string index from the raw descriptors tells which).
  interface.label = optionalAttribute(dir + "/interface");
  return interface;
}

// A device that does not answer within this, in total, has the rest of its strings marked
// unreadable: a hostile device cannot hold the decision up for long.
constexpr auto kDetailsBudget = std::chrono::milliseconds(2000);
constexpr unsigned kTransferTimeoutMs = 500;
constexpr std::uint16_t kEnglishUs = 0x0409;
constexpr std::uint8_t kMsOsStringIndex = 0xEE;
constexpr std::uint8_t kVendorDeviceIn = 0xC0;
constexpr std::uint16_t kMsCompatIdIndex = 0x0004;

void readLabels(const UsbfsDevice& usbfs, UsbDevice& device, std::chrono::steady_clock::time_point deadline) {
  std::optional<std::uint16_t> language;
  bool languageTried = false;
  std::map<std::uint8_t, std::optional<std::string>> cache;
  for (auto& interface : device.interfaces) {
    if (interface.stringIndex == 0 || !interface.label.empty()) continue;
    interface.labelUnreadable = true;
    if (std::chrono::steady_clock::now() >= deadline) continue;
    if (!languageTried) {
      languageTried = true;
      // Devices with one language answer in it whatever is asked; English when there is no list.
      auto raw = usbfs.stringDescriptor(0, 0, kTransferTimeoutMs);
      auto ids = raw ? parseLanguageIds(raw.value()) : common::Result<std::vector<std::uint16_t>>(raw.error());
      language = ids ? ids.value().front() : kEnglishUs;
    }
    auto [it, fresh] = cache.try_emplace(interface.stringIndex);
    if (fresh) {
      auto raw = usbfs.stringDescriptor(interface.stringIndex, *language, kTransferTimeoutMs);
      if (raw) {
        if (auto text = parseStringDescriptor(raw.value())) it->second = std::move(text).value();
      }
    }
    if (it->second) {
      interface.label = *it->second;
      interface.labelUnreadable = false;
    }
  }
}

void readMsOs(const UsbfsDevice& usbfs, UsbDevice& device, std::chrono::steady_clock::time_point deadline) {
  if (std::chrono::steady_clock::now() >= deadline) return;
  auto signature = usbfs.stringDescriptor(kMsOsStringIndex, 0, kTransferTimeoutMs);
  const auto vendorCode = signature ? parseMsOsSignature(signature.value()) : std::nullopt;
  if (!vendorCode) {
    device.msOs = UsbMsOsState::kAbsent;  // a stall or another string: no Microsoft OS descriptor
    return;
  }
  device.msOs = UsbMsOsState::kUnreadable;  // announced: from here on, failing is failing closed
  if (std::chrono::steady_clock::now() >= deadline) return;
  auto header = usbfs.controlIn(kVendorDeviceIn, *vendorCode, 0, kMsCompatIdIndex,
                                static_cast<std::uint16_t>(kMsCompatHeaderBytes), kTransferTimeoutMs);
  if (!header) return;
  auto length = parseMsCompatIdLength(header.value());
  if (!length || std::chrono::steady_clock::now() >= deadline) return;
  const auto want = static_cast<std::uint16_t>(std::min<std::size_t>(length.value(), kMaxMsCompatBytes));
  auto whole = usbfs.controlIn(kVendorDeviceIn, *vendorCode, 0, kMsCompatIdIndex, want, kTransferTimeoutMs);
  if (!whole) return;
  auto functions = parseMsCompatIdDescriptor(whole.value());
  if (!functions) return;
  device.msOsFunctions = std::move(functions).value();
  device.msOs = UsbMsOsState::kPresent;
}

}  // namespace

common::Result<std::string> readSysfsAttribute(const std::string& path) {
  auto text = readRaw(path);
  if (!text) return text.error();
  std::string value = std::move(text).value();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

common::Result<std::string> readSysfsBytes(const std::string& path) { return readRaw(path); }

common::Result<std::vector<std::string>> listSysfsNames(const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return common::makeError("cannot list", dir, ec.value());
  std::vector<std::string> names;
  for (const auto& entry : it) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

common::Status unbindSysfsDevice(const std::string& deviceDir, const std::string& name) {
  const std::string driver = deviceDir + "/driver";
  std::error_code ec;
  if (!fs::exists(driver, ec)) return common::Ok{};  // nothing bound
  return writeSysfsAttribute(driver + "/unbind", name);
}

bool isSafeKernelName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

bool LinuxUsbBus::present() const {
  auto names = deviceNames();
  if (!names) return false;
  return std::any_of(names.value().begin(), names.value().end(),
                     [](const std::string& n) { return n.rfind("usb", 0) == 0; });
}

common::Result<std::vector<std::string>> LinuxUsbBus::deviceNames() const {
  std::error_code ec;
  fs::directory_iterator it(devicesDir(), ec);
  if (ec) return common::makeError("cannot list", devicesDir(), ec.value());
  std::vector<std::string> names;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.find(':') == std::string::npos) names.push_back(name);  // "2-1:1.0" is an interface
  }
  std::sort(names.begin(), names.end());
  return names;
}

common::Result<UsbDevice> LinuxUsbBus::device(const std::string& name) const {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  const std::string dir = devicesDir() + "/" + name;
  UsbDevice device;
  device.name = name;
  device.rootHub = name.rfind("usb", 0) == 0;
  device.devpath = relativeTo(root_, dir);
  if (device.devpath.empty()) return common::makeError("no such USB device", dir, ENOENT);
  auto vendor = hexAttribute(dir + "/idVendor", 0xFFFF);
  auto product = hexAttribute(dir + "/idProduct", 0xFFFF);
  auto cls = hexAttribute(dir + "/bDeviceClass", 0xFF);
  if (!vendor) return vendor.error();
  if (!product) return product.error();
  if (!cls) return cls.error();
  device.vendorId = static_cast<std::uint16_t>(vendor.value());
  device.productId = static_cast<std::uint16_t>(product.value());
  device.deviceClass = static_cast<std::uint8_t>(cls.value());
  device.manufacturer = optionalAttribute(dir + "/manufacturer");
  device.product = optionalAttribute(dir + "/product");
  device.serial = optionalAttribute(dir + "/serial");
  device.authorized = optionalAttribute(dir + "/authorized") != "0";
  const std::string activeConfiguration = optionalAttribute(dir + "/bConfigurationValue");
  device.configured = !activeConfiguration.empty();
  device.busNumber = decimalAttribute(dir + "/busnum");
  device.deviceNumber = decimalAttribute(dir + "/devnum");
  // The raw descriptors: interfaces of an unconfigured device, string indexes of every device.
  auto raw = readRaw(dir + "/descriptors");
  auto parsed = raw ? parseUsbDescriptors(raw.value()) : common::Result<UsbDescriptors>(raw.error());

  if (device.configured) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string child = entry.path().filename().string();
      if (child.rfind(name + ":", 0) != 0) continue;
      auto interface = readInterface(entry.path().string(), child);
      if (!interface) return interface.error();
      device.interfaces.push_back(std::move(interface).value());
    }
    std::sort(device.interfaces.begin(), device.interfaces.end(),
              [](const UsbInterface& a, const UsbInterface& b) { return a.number < b.number; });
    // String indexes from the active configuration's descriptors.
    const UsbConfigurationDescriptors* active = nullptr;
    if (parsed) {
      for (const auto& config : parsed.value().configs) {
        if (std::to_string(config.value) == activeConfiguration) active = &config;
      }
    }
    if (active != nullptr) {
      for (auto& interface : device.interfaces) {
        for (const auto& described : active->interfaces) {
          if (described.number == interface.number) interface.stringIndex = described.stringIndex;
        }
      }
    }
  } else {
    if (!raw) return raw.error();
    if (!parsed) return common::makeError(parsed.error().describe(), dir + "/descriptors");
    device.interfaces = std::move(parsed).value().interfaces;
  }
  return device;
}

void LinuxUsbBus::readInterfaceDetails(UsbDevice& device) const {
  const auto deadline = std::chrono::steady_clock::now() + kDetailsBudget;
  auto usbfs = UsbfsDevice::open(devRoot_, device.busNumber, device.deviceNumber);
  if (!usbfs) {
    for (auto& interface : device.interfaces) {
      if (interface.stringIndex != 0 && interface.label.empty()) interface.labelUnreadable = true;
    }
    return;
  }
  readLabels(usbfs.value(), device, deadline);
  readMsOs(usbfs.value(), device, deadline);
}

common::Status LinuxUsbBus::writeAttribute(const std::string& path, const std::string& value) const {
  return writeSysfsAttribute(path, value);
}

common::Status writeSysfsAttribute(const std::string& path, const std::string& value) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return common::makeError("cannot open for writing", path, errno);
  ssize_t n = -1;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return common::makeError("cannot write \"" + value + "\" to", path, errno);
  return common::Ok{};
}

common::Status LinuxUsbBus::setAuthorizedDefault(const std::string& rootHub, bool authorized) {
  if (!isSafeKernelName(rootHub)) return common::makeError("not a kernel device name", rootHub);
  return writeAttribute(devicesDir() + "/" + rootHub + "/authorized_default", authorized ? "1" : "0");
}

common::Status LinuxUsbBus::setInterfaceAuthorizedDefault(const std::string& rootHub, bool authorized) {
  if (!isSafeKernelName(rootHub)) return common::makeError("not a kernel device name", rootHub);
  return writeAttribute(devicesDir() + "/" + rootHub + "/interface_authorized_default", authorized ? "1" : "0");
}

common::Status LinuxUsbBus::setNewControllersAuthorized(bool authorized) {
  const std::string path = root_ + "/module/usbcore/parameters/authorized_default";
  if (!authorized) {
    if (openControllersValue_.empty()) {
      auto current = readSysfsAttribute(path);
      if (!current) return current.error();
      if (current.value() == "0") return common::Ok{};  // closed already (usbcore.authorized_default=0)
      openControllersValue_ = current.value();
    }
    return writeAttribute(path, "0");
  }
  if (openControllersValue_.empty()) return common::Ok{};  // never closed by us
  auto done = writeAttribute(path, openControllersValue_);
  if (done) openControllersValue_.clear();
  return done;
}

common::Status LinuxUsbBus::setDeviceAuthorized(const std::string& name, bool authorized) {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  return writeAttribute(devicesDir() + "/" + name + "/authorized", authorized ? "1" : "0");
}

common::Status LinuxUsbBus::setInterfaceAuthorized(const std::string& interfaceName, bool authorized) {
  if (!isSafeKernelName(interfaceName)) return common::makeError("not a kernel interface name", interfaceName);
  return writeAttribute(devicesDir() + "/" + interfaceName + "/authorized", authorized ? "1" : "0");
}

common::Status LinuxUsbBus::probeInterface(const std::string& interfaceName) {
  if (!isSafeKernelName(interfaceName)) return common::makeError("not a kernel interface name", interfaceName);
  return writeAttribute(root_ + "/bus/usb/drivers_probe", interfaceName);
}

common::Result<std::vector<std::string>> LinuxUsbBus::blockDevicesUnder(const std::string& devpath) const {
  return blockDevicesBelow(root_, devpath);
}

common::Result<std::vector<std::string>> blockDevicesBelow(const std::string& sysfsRoot, const std::string& devpath) {
  const std::string dir = sysfsRoot + "/class/block";
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return common::makeError("cannot list", dir, ec.value());
  std::vector<std::string> names;
  const std::string prefix = devpath + "/";
  for (const auto& entry : it) {
    const std::string rel = relativeTo(sysfsRoot, entry.path());
    if (rel.compare(0, prefix.size(), prefix) == 0) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());  // the disk before its partitions
  return names;
}

}  // namespace mamori::drivers::linux_os
