#include "agent/core/CapabilityRegistry.h"

#include <exception>

#include "common/Log.h"

namespace mamori::agent {

Capability& CapabilityRegistry::add(std::unique_ptr<Capability> capability) {
  capabilities_.push_back(std::move(capability));
  return *capabilities_.back();
}

std::vector<CapabilityFailure> CapabilityRegistry::applyAll(const policy::Policy& policy) {
  std::vector<CapabilityFailure> failures;
  for (const auto& capability : capabilities_) {
    common::Status applied = common::Ok{};
    try {
      applied = capability->apply(policy);
    } catch (const std::exception& e) {  // a capability's bug must not stop the others from applying
      applied = common::makeError(std::string("apply threw: ") + e.what());
    }
    if (!applied) {
      common::log::error("capability " + capability->name() +
                         " kept its previous configuration: " + applied.error().describe());
      failures.push_back({capability->name(), applied.error()});
    }
  }
  return failures;
}

std::vector<std::string> CapabilityRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(capabilities_.size());
  for (const auto& capability : capabilities_) out.push_back(capability->name());
  return out;
}

}  // namespace mamori::agent
