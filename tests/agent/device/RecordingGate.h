#pragma once
// A DeviceAccessGate for OpticalControl's tests: keeps the rules it was given and hands out the
// refused opens a test queued, instead of a cgroup BPF program.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "agent/device/OpticalControl.h"
#include "drivers/include/OpticalDrives.h"

namespace mamori::agent::device::test {

struct GateState {
  std::map<drivers::DeviceNumber, drivers::DeviceAccess> rules;
  std::vector<drivers::RefusedOpen> refused;
  int starts = 0;
  bool fails = false;
};

class RecordingGate final : public drivers::DeviceAccessGate {
 public:
  explicit RecordingGate(GateState& state) : state_(state) {}
  common::Status set(const drivers::DeviceNumber& device, drivers::DeviceAccess access) override {
    state_.rules[device] = access;
    return common::Ok{};
  }
  common::Status clear(const drivers::DeviceNumber& device) override {
    state_.rules.erase(device);
    return common::Ok{};
  }
  std::vector<drivers::RefusedOpen> refused() override { return std::exchange(state_.refused, {}); }

 private:
  GateState& state_;
};

inline OpticalControl::StartGate gateOn(GateState& state) {
  return [&state]() -> common::Result<std::unique_ptr<drivers::DeviceAccessGate>> {
    ++state.starts;
    if (state.fails) return common::makeError("bpf: Operation not permitted");
    return std::unique_ptr<drivers::DeviceAccessGate>(new RecordingGate(state));
  };
}

}  // namespace mamori::agent::device::test
