#pragma once
// The home directories of the people who use this PC: where a policy path starting with "~/" points
// (activity monitoring's watched and cloud-sync folders, the content scanner's roots). Reads facts;
// what is watched or scanned there is the policy's business.

#include <string>
#include <vector>

namespace mamori::drivers {

class HomeDirectories {
 public:
  virtual ~HomeDirectories() = default;
  // Every real user's home directory (system accounts and nobody left out), in the account
  // database's order. Called from the agent's main thread only.
  virtual std::vector<std::string> list() const = 0;
};

}  // namespace mamori::drivers
