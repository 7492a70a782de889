#pragma once

#include "drivers/include/SystemInfo.h"

namespace mamori::drivers::fake {

class FakeSystemInfo final : public SystemInfo {
 public:
  explicit FakeSystemInfo(MachineFacts facts) : facts_(std::move(facts)) {}
  MachineFacts machineFacts() const override { return facts_; }

 private:
  MachineFacts facts_;
};

}  // namespace mamori::drivers::fake
