#include "policy/YaraRules.h"

#include <yara.h>

namespace mamori::policy {

YaraRules::YaraRules(YR_RULES* rules, std::string_view source)
    : rules_(rules),
      noPrefilterReason_("built without its source"),
      prefilter_(source.empty() ? nullptr : YaraPrefilter::build(rules, source, &noPrefilterReason_)) {
  if (prefilter_) noPrefilterReason_.clear();
}

void YaraRules::Deleter::operator()(YR_RULES* rules) const {
  if (rules != nullptr) yr_rules_destroy(rules);
}

}  // namespace mamori::policy
