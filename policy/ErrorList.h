#pragma once
// Collects every problem found in one document, up to a cap, so an administrator can fix a policy
// in one pass instead of one error per try.

#include <cstddef>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::policy {

class ErrorList {
 public:
  static constexpr std::size_t kMaxErrors = 100;

  // pointer: JSON pointer ("" is the root); message: "expected ..., found ...".
  void add(const std::string& pointer, std::string message);
  void add(common::Error error);

  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  // More errors were found than kept.
  bool capped() const { return capped_; }
  const std::vector<common::Error>& errors() const { return errors_; }
  std::vector<common::Error> take() { return std::move(errors_); }

 private:
  std::vector<common::Error> errors_;
  bool capped_ = false;
};

}  // namespace mamori::policy
