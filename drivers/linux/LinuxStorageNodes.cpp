#include "drivers/linux/LinuxStorageNodes.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "common/Files.h"
#include "common/UniqueFd.h"
#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/OpticalSysfsParser.h"

namespace mamori::drivers::linux_os {

namespace fs = std::filesystem;

namespace {

bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// "0000:02:00.0": domain, bus, device, function.
bool isPciAddress(std::string_view name) {
  if (name.size() != 12 || name[4] != ':' || name[7] != ':' || name[10] != '.') return false;
  for (const std::size_t at : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U, 11U}) {
    if (!isHex(name[at])) return false;
  }
  return true;
}

std::optional<std::uint32_t> number(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

constexpr const char* kSubsystemDir = "/devices/virtual/nvme-subsystem/";

}  // namespace

std::map<std::string, std::uint32_t> parseProcDevices(std::string_view text, bool block) {
  std::map<std::string, std::uint32_t> out;
  bool inSection = false;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line == "Character devices:" || line == "Block devices:") {
      inSection = (line == "Block devices:") == block;
      continue;
    }
    if (!inSection) continue;
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    const auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const auto major = number(line.substr(0, space));
    const std::string_view name = line.substr(space + 1);
    if (major && !name.empty() && out.count(std::string(name)) == 0) out[std::string(name)] = *major;
  }
  return out;
}

std::optional<DeviceNumber> parseDeviceNumber(std::string_view text, bool block) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto major = number(text.substr(0, colon));
  const auto minor = number(text.substr(colon + 1));
  if (!major || !minor) return std::nullopt;
  return DeviceNumber{block, *major, *minor};
}

std::string nearestPciFunction(std::string_view devpath) {
  std::string found;
  std::size_t at = 0;
  while (at <= devpath.size()) {
    std::size_t end = devpath.find('/', at);
    if (end == std::string_view::npos) end = devpath.size();
    const std::string_view part = devpath.substr(at, end - at);
    if (isPciAddress(part)) found = std::string(part);
    at = end + 1;
  }
  return found;
}

common::Result<std::map<std::string, std::uint32_t>> LinuxStorageNodes::majors(bool block) const {
  auto text = common::readSmallFile(proc_ + "/devices", std::size_t{64} * 1024);
  if (!text) return text.error();
  return parseProcDevices(text.value(), block);
}

common::Result<StorageNode> LinuxStorageNodes::nodeAt(const DeviceNumber& number, const std::string& link) const {
  StorageNode node;
  node.number = number;
  node.devpath = relativeTo(sysfs_, link);
  if (node.devpath.empty()) return common::makeError("no such device node", link, ENOENT);
  node.name = fs::path(node.devpath).filename().string();
  node.disk = number.block && !fs::exists(sysfs_ + node.devpath + "/partition");
  if (node.devpath.rfind(kSubsystemDir, 0) == 0) {
    // A multipath NVMe disk: it depends on every controller of its subsystem (links nvmeN there).
    const std::string rest = node.devpath.substr(std::string(kSubsystemDir).size());
    const std::string subsystem = sysfs_ + kSubsystemDir + rest.substr(0, rest.find('/'));
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(subsystem, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("nvme", 0) != 0 || name.find_first_not_of("0123456789", 4) != std::string::npos) continue;
      const std::string function = nearestPciFunction(relativeTo(sysfs_, entry.path()));
      if (!function.empty()) node.pciFunctions.push_back(function);
    }
    node.resolved = !node.pciFunctions.empty();
    return node;
  }
  const std::string function = nearestPciFunction(node.devpath);
  if (!function.empty()) node.pciFunctions.push_back(function);
  node.usb = belowUsb(node.devpath);
  node.scsiDevpath = scsiDeviceDevpath(node.devpath);
  if (!node.scsiDevpath.empty()) {
    // What the device says of itself (a hostile disk chooses its INQUIRY strings and VPD pages).
    const std::string dir = sysfs_ + node.scsiDevpath;
    node.scsiDevice = fs::path(node.scsiDevpath).filename().string();
    auto type = common::readSmallFile(dir + "/type", 64);
    const auto parsed = type ? parseScsiType(type.value()) : std::nullopt;
    node.scsiType = parsed ? *parsed : -1;
    for (const auto& [attribute, field] : {std::pair{"/vendor", &node.vendor}, std::pair{"/model", &node.model}}) {
      auto text = common::readSmallFile(dir + attribute, 256);
      if (text) *field = cleanInquiryText(text.value());
    }
    auto page = common::readSmallFile(dir + "/vpd_pg80", 512);
    if (page) node.serial = parseUnitSerial(page.value());
  }
  return node;
}

common::Result<std::vector<StorageNode>> LinuxStorageNodes::nodesOn(const std::vector<DeviceNumber>& majors) const {
  std::vector<StorageNode> out;
  for (const bool block : {true, false}) {
    const std::string dir = sysfs_ + (block ? "/dev/block" : "/dev/char");
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return common::makeError("cannot list", dir, ec.value());
    for (const auto& entry : it) {
      const auto number = parseDeviceNumber(entry.path().filename().string(), block);
      if (!number) continue;
      bool wanted = false;
      for (const auto& major : majors) wanted = wanted || (major.block == block && major.major == number->major);
      if (!wanted) continue;
      auto node = nodeAt(*number, entry.path().string());
      if (node) out.push_back(std::move(node).value());  // one that went meanwhile is not there
    }
  }
  return out;
}

common::Result<StorageNode> LinuxStorageNodes::node(const DeviceNumber& number) const {
  const std::string link = sysfs_ + (number.block ? "/dev/block/" : "/dev/char/") + std::to_string(number.major) + ":" +
                           std::to_string(number.minor);
  return nodeAt(number, link);
}

common::Status LinuxStorageNodes::rereadPartitions(const std::string& disk) {
  if (!isSafeKernelName(disk)) return common::makeError("not a block device name", disk);
  const std::string path = dev_ + "/" + disk;
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  if (::ioctl(fd.get(), BLKRRPART) != 0) return common::makeError("BLKRRPART failed on", path, errno);
  return common::Ok{};
}

common::Status LinuxStorageNodes::announce(const StorageNode& node) {
  if (node.devpath.find("..") != std::string::npos) return common::makeError("not a device path", node.devpath);
  const std::string path = sysfs_ + node.devpath + "/uevent";
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  static constexpr char kChange[] = "change";
  if (::write(fd.get(), kChange, sizeof kChange - 1) < 0) return common::makeError("cannot write", path, errno);
  return common::Ok{};
}

}  // namespace mamori::drivers::linux_os
