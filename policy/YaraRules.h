#pragma once
// Compiled YARA rules, owned. Shared (std::shared_ptr<const YaraRules>) between the policy and the
// scanners: libyara allows many scanners over one YR_RULES, at most 32 at a time. Built with their
// source, they carry the literal prefilter that source allows (policy/YaraPrefilter, or none).

#include <memory>
#include <string>
#include <string_view>

#include "policy/YaraPrefilter.h"

struct YR_RULES;  // libyara's type; its headers stay out of ours

namespace mamori::policy {

class YaraRules {
 public:
  // Takes ownership of rules (from yr_compiler_get_rules or a load); source is what they were
  // compiled from (empty: no prefilter).
  explicit YaraRules(YR_RULES* rules, std::string_view source = {});

  YR_RULES* get() const { return rules_.get(); }

  // Null when the rules cannot be prefiltered (or were built without their source).
  const YaraPrefilter* prefilter() const { return prefilter_.get(); }
  // Why there is none (empty when there is one).
  const std::string& noPrefilterReason() const { return noPrefilterReason_; }

 private:
  struct Deleter {
    void operator()(YR_RULES* rules) const;
  };
  std::unique_ptr<YR_RULES, Deleter> rules_;
  std::string noPrefilterReason_;
  std::unique_ptr<const YaraPrefilter> prefilter_;
};

}  // namespace mamori::policy
