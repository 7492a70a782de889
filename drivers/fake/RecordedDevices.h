#pragma once
// What every fake bus starts from: the devices of a recorded sysfs tree (tests/fixtures/sysfs) as the
// Linux driver reads them, once, by kernel name (a tree the reader cannot read is a broken fixture:
// it aborts); and the names it lists them by.

#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers::fake {

// names(): the reader's list of names; read(name): the reader's device of that name.
template <typename Names, typename Read>
auto readRecordedDevices(Names names, Read read) {
  using Device = std::decay_t<decltype(read(std::string()).value())>;
  std::map<std::string, Device> devices;
  auto listed = names();
  MAMORI_ASSERT(listed.ok());
  for (const auto& name : listed.value()) {
    auto device = read(name);
    MAMORI_ASSERT(device.ok());
    devices.emplace(name, std::move(device).value());
  }
  return devices;
}

// The kernel names of a fake bus's devices, in name order (what the bus lists).
template <typename Device>
std::vector<std::string> namesOf(const std::map<std::string, Device>& devices) {
  std::vector<std::string> names;
  names.reserve(devices.size());
  for (const auto& entry : devices) names.push_back(entry.first);
  return names;
}

}  // namespace mamori::drivers::fake
