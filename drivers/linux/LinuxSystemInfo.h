#pragma once

#include <string>

#include "drivers/include/SystemInfo.h"

namespace mamori::drivers::linux_os {

class LinuxSystemInfo final : public SystemInfo {
 public:
  // etcRoot is where os-release is read from: "/etc" on a real system, a fixture folder in tests.
  explicit LinuxSystemInfo(std::string etcRoot = "/etc") : etcRoot_(std::move(etcRoot)) {}
  MachineFacts machineFacts() const override;

 private:
  std::string etcRoot_;
};

// PRETTY_NAME (or NAME) from the text of an os-release file; "" if neither is there.
std::string parseOsReleasePrettyName(const std::string& text);

}  // namespace mamori::drivers::linux_os
