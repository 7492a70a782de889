#include "drivers/linux/LinuxMounts.h"

#include <climits>
#include <cstdlib>
#include <memory>

#include "common/Files.h"
#include "drivers/linux/MountInfoParser.h"

namespace mamori::drivers::linux_os {

namespace {

bool flagSet(const std::string& path) {
  auto text = common::readSmallFile(path, 64);
  return text && !text.value().empty() && text.value().front() == '1';
}

}  // namespace

bool blockDeviceIsRemovable(const std::string& sysRoot, unsigned major, unsigned minor) {
  if (major == 0) return false;  // tmpfs, proc, overlay...: no block device
  const std::string link = sysRoot + "/dev/block/" + std::to_string(major) + ":" + std::to_string(minor);
  const std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(link.c_str(), nullptr), &std::free);
  if (!resolved) return false;
  const std::string device(resolved.get());
  if (device.find("/usb") != std::string::npos) return true;
  if (flagSet(device + "/removable")) return true;
  // A partition's flag is on its disk, the parent folder.
  return common::fileExists(device + "/partition") && flagSet(device + "/../removable");
}

common::Result<std::vector<MountEntry>> readMountTable(const std::string& procRoot, const std::string& sysRoot) {
  const std::string path = procRoot + "/self/mountinfo";
  auto text = common::readSmallFile(path, 16 << 20);
  if (!text) return text.error();
  auto mounts = parseMountInfo(text.value());
  if (!mounts) return common::makeError(mounts.error().message, path);
  for (auto& mount : mounts.value()) mount.removableDevice = blockDeviceIsRemovable(sysRoot, mount.major, mount.minor);
  return mounts;
}

}  // namespace mamori::drivers::linux_os
