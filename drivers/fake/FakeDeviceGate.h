#pragma once
// An in-memory DeviceAccessGate for tests: keeps the rules it was given (in the order they came),
// answers an open as the kernel's program would (a minor's rule first, then its major's), and hands
// out the refused opens a test queued or an open() it refused.

#include <map>
#include <utility>
#include <vector>

#include "drivers/include/DeviceAccessGate.h"

namespace mamori::drivers::fake {

class FakeDeviceGate final : public DeviceAccessGate {
 public:
  common::Status start() override {
    ++starts;
    if (fails) return common::makeError("bpf: Operation not permitted", "device gate");
    started = true;
    return common::Ok{};
  }
  common::Status set(const DeviceNumber& device, DeviceAccess access) override {
    if (!started) return common::makeError("the device gate is not started", "device gate");
    rules[device] = access;
    log.push_back({device, access, true});
    return common::Ok{};
  }
  common::Status clear(const DeviceNumber& device) override {
    rules.erase(device);
    log.push_back({device, DeviceAccess::kAll, false});
    return common::Ok{};
  }
  std::vector<RefusedOpen> refused() override { return std::exchange(queued, {}); }

  // Whether an open of this number for reading (and writing) passes now; a refusal is queued.
  bool open(const DeviceNumber& device, bool write = false, const std::string& command = "dd") {
    auto rule = rules.find(device);
    if (rule == rules.end()) rule = rules.find({device.block, device.major, kAnyMinor});
    const DeviceAccess access = rule == rules.end() ? DeviceAccess::kAll : rule->second;
    const bool allowed = access == DeviceAccess::kAll || (access == DeviceAccess::kReadOnly && !write);
    if (!allowed) {
      RefusedOpen refusal;
      refusal.device = device;
      refusal.wantedRead = true;
      refusal.wantedWrite = write;
      refusal.pid = 4242;
      refusal.uid = 1000;
      refusal.command = command;
      queued.push_back(refusal);
    }
    return allowed;
  }

  struct Change {
    DeviceNumber device;
    DeviceAccess access;
    bool set;  // false: cleared
  };

  std::map<DeviceNumber, DeviceAccess> rules;
  std::vector<Change> log;  // every set and clear, in order
  std::vector<RefusedOpen> queued;
  int starts = 0;
  bool started = false;
  bool fails = false;  // start() fails (no cgroup v2, no CAP_SYS_ADMIN)
};

}  // namespace mamori::drivers::fake
