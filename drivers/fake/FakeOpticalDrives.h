#pragma once
// Optical drives in tests: the drives the test plugged (none at first), listed by SCSI address.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "drivers/include/OpticalDrives.h"

namespace mamori::drivers::fake {

class FakeOpticalDrives final : public OpticalDrives {
 public:
  void plug(OpticalDrive drive) { drives_[drive.name] = std::move(drive); }
  void unplug(const std::string& name) { drives_.erase(name); }

  common::Result<std::vector<OpticalDrive>> drives() const override {
    std::vector<OpticalDrive> out;
    for (const auto& entry : drives_) out.push_back(entry.second);
    return out;
  }

 private:
  std::map<std::string, OpticalDrive> drives_;  // by SCSI address
};

}  // namespace mamori::drivers::fake
