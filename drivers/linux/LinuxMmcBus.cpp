#include "drivers/linux/LinuxMmcBus.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "drivers/linux/LinuxUsbBus.h"

namespace mamori::drivers::linux_os {

namespace fs = std::filesystem;

bool LinuxMmcBus::present() const {
  std::error_code ec;
  return fs::is_directory(busDir() + "/devices", ec);
}

common::Status LinuxMmcBus::setAutoprobe(bool on) {
  return writeSysfsAttribute(busDir() + "/drivers_autoprobe", on ? "1" : "0");
}

common::Result<std::vector<std::string>> LinuxMmcBus::cardNames() const {
  return listSysfsNames(busDir() + "/devices");
}

common::Result<MmcCard> LinuxMmcBus::card(const std::string& name) const {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  const std::string dir = busDir() + "/devices/" + name;
  MmcCard card;
  card.name = name;
  card.devpath = relativeTo(root_, dir);
  if (card.devpath.empty()) return common::makeError("no such mmc card", dir, ENOENT);
  auto type = readSysfsAttribute(dir + "/type");
  if (!type) return type.error();
  card.type = type.value();
  card.cid = readOptionalSysfsAttribute(dir + "/cid");
  card.serial = readOptionalSysfsAttribute(dir + "/serial");
  card.manfid = readOptionalSysfsAttribute(dir + "/manfid");
  card.oemid = readOptionalSysfsAttribute(dir + "/oemid");
  card.productName = readOptionalSysfsAttribute(dir + "/name");
  std::error_code ec;
  card.bound = fs::exists(dir + "/driver", ec);
  return card;
}

common::Status LinuxMmcBus::bind(const std::string& name) {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  return writeSysfsAttribute(busDir() + "/drivers_probe", name);
}

common::Status LinuxMmcBus::unbind(const std::string& name) {
  if (!isSafeKernelName(name)) return common::makeError("not a kernel device name", name);
  return unbindSysfsDevice(busDir() + "/devices/" + name, name);
}

common::Result<std::vector<std::string>> LinuxMmcBus::blockDevicesUnder(const std::string& devpath) const {
  return blockDevicesBelow(root_, devpath);
}

}  // namespace mamori::drivers::linux_os
