#pragma once
// Compiled YARA rules, owned. Shared (std::shared_ptr<const YaraRules>) between the policy and the
// scanners: libyara allows many scanners over one YR_RULES, at most 32 at a time.

#include <memory>

struct YR_RULES;  // libyara's type; its headers stay out of ours

namespace mamori::policy {

class YaraRules {
 public:
  // Takes ownership of rules (from yr_compiler_get_rules).
  explicit YaraRules(YR_RULES* rules);

  YR_RULES* get() const { return rules_.get(); }

 private:
  struct Deleter {
    void operator()(YR_RULES* rules) const;
  };
  std::unique_ptr<YR_RULES, Deleter> rules_;
};

}  // namespace mamori::policy
