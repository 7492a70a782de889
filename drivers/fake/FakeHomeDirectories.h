#pragma once
// The people of a PC in tests: the home directories the test names (none by default), instead of the
// machine's account database.

#include <string>
#include <utility>
#include <vector>

#include "drivers/include/HomeDirectories.h"

namespace mamori::drivers::fake {

class FakeHomeDirectories final : public HomeDirectories {
 public:
  explicit FakeHomeDirectories(std::vector<std::string> homes = {}) : homes_(std::move(homes)) {}

  // A user added or removed: the next list() says so.
  void set(std::vector<std::string> homes) { homes_ = std::move(homes); }

  std::vector<std::string> list() const override { return homes_; }

 private:
  std::vector<std::string> homes_;
};

}  // namespace mamori::drivers::fake
