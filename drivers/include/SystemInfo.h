#pragma once
// Facts about the machine the agent runs on. Drivers report facts; they never decide.

#include <string>

namespace mamori::drivers {

struct MachineFacts {
  std::string hostName;  // "pc-1234"
  std::string osName;    // PRETTY_NAME from os-release, "Debian GNU/Linux 12 (bookworm)"
  std::string kernel;    // uname release, "6.1.0-18-amd64"
  std::string userName;  // the user the agent runs as
};

class SystemInfo {
 public:
  virtual ~SystemInfo() = default;
  virtual MachineFacts machineFacts() const = 0;
};

}  // namespace mamori::drivers
