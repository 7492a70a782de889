#include "drivers/linux/LinuxOpticalDrives.h"

#include <filesystem>

#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/OpticalSysfsParser.h"

namespace mamori::drivers::linux_os {

namespace fs = std::filesystem;

namespace {

std::string attribute(const std::string& path) {
  auto text = readSysfsAttribute(path);
  return text ? cleanInquiryText(text.value()) : std::string();
}

// The names in <deviceDir>/<classDir> ("block" -> "sr0"); none when the folder is absent.
std::vector<std::string> classChildren(const std::string& deviceDir, const std::string& classDir) {
  auto names = listSysfsNames(deviceDir + "/" + classDir);
  if (!names) return {};
  std::vector<std::string> safe;
  for (const auto& name : names.value()) {
    if (isSafeKernelName(name)) safe.push_back(name);
  }
  return safe;
}

}  // namespace

common::Result<std::vector<OpticalDrive>> LinuxOpticalDrives::drives() const {
  std::vector<OpticalDrive> found;
  const std::string dir = root_ + "/bus/scsi/devices";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return found;  // no SCSI layer loaded: no drives
  auto names = listSysfsNames(dir);
  if (!names) return names.error();
  for (const auto& name : names.value()) {
    const std::string device = dir + "/" + name;
    auto type = readSysfsAttribute(device + "/type");
    if (!type) continue;  // hosts and targets have no type
    const auto parsed = parseScsiType(type.value());
    if (!parsed || *parsed != kScsiTypeRom) continue;
    OpticalDrive drive;
    drive.name = name;
    drive.devpath = relativeTo(root_, device);
    drive.vendor = attribute(device + "/vendor");
    drive.model = attribute(device + "/model");
    drive.revision = attribute(device + "/rev");
    // Each node with its number (the `dev` attribute); a node whose number is unreadable is left out.
    auto add = [&](const std::string& classDir, const std::string& child, const std::string& path, bool block) {
      auto dev = readSysfsAttribute(device + "/" + classDir + "/" + child + "/dev");
      const auto number = dev ? parseDeviceNumber(dev.value()) : std::nullopt;
      if (!number) return;
      drive.nodes.push_back(path);
      drive.numbers.push_back({block, number->first, number->second});
    };
    for (const auto& block : classChildren(device, "block")) {
      if (drive.block.empty()) drive.block = block;
      add("block", block, devRoot_ + "/" + block, true);
    }
    for (const auto& sg : classChildren(device, "scsi_generic")) add("scsi_generic", sg, devRoot_ + "/" + sg, false);
    for (const auto& bsg : classChildren(device, "bsg")) add("bsg", bsg, devRoot_ + "/bsg/" + bsg, false);
    found.push_back(std::move(drive));
  }
  return found;
}

}  // namespace mamori::drivers::linux_os
