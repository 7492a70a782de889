#include "policy/ErrorList.h"

#include "common/JsonValue.h"

namespace mamori::policy {

void ErrorList::add(const std::string& pointer, std::string message) {
  add(common::makeError(std::move(message), common::displayPointer(pointer)));
}

void ErrorList::add(common::Error error) {
  if (errors_.size() >= kMaxErrors) {
    capped_ = true;
    return;
  }
  errors_.push_back(std::move(error));
}

}  // namespace mamori::policy
