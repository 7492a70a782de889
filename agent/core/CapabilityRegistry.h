#pragma once
// The capabilities of one agent, in registration order. The composition root (agent/app/Agent.cpp)
// registers each capability once at start; the policy sync applies every new policy to all of them
// (Capability::apply). A capability that refuses its section keeps its previous configuration; the
// others still get the new policy, so one broken section never leaves the whole agent unconfigured.

#include <memory>
#include <string>
#include <vector>

#include "agent/core/Capability.h"
#include "common/Result.h"
#include "policy/Policy.h"

namespace mamori::agent {

struct CapabilityFailure {
  std::string capability;  // Capability::name()
  common::Error error;
};

class CapabilityRegistry {
 public:
  // Takes ownership; the capability lives as long as the registry.
  Capability& add(std::unique_ptr<Capability> capability);

  // Calls apply(policy) on every capability, in registration order; returns the refusals.
  std::vector<CapabilityFailure> applyAll(const policy::Policy& policy);

  std::vector<std::string> names() const;
  std::size_t size() const { return capabilities_.size(); }

 private:
  std::vector<std::unique_ptr<Capability>> capabilities_;
};

}  // namespace mamori::agent
