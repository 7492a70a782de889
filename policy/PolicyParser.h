#pragma once
// The policy parser and validator. Pure: a string in, a Policy or every error out (up to
// ErrorList::kMaxErrors). Nothing here touches the file system; see PolicyLoader.h for that.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "policy/Policy.h"

namespace mamori::policy {

struct PolicyParseResult {
  std::optional<Policy> policy;       // set exactly when errors is empty
  std::vector<common::Error> errors;  // where = JSON pointer, message = "expected ..., found ..."
  bool moreErrors = false;            // errors was capped

  bool ok() const { return policy.has_value(); }
  // One error per line, "pointer: message", for CLIs and events.
  std::string describe() const;
};

PolicyParseResult parsePolicy(std::string_view text);

}  // namespace mamori::policy
