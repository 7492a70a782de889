#include "policy/YaraRules.h"

#include <yara.h>

namespace mamori::policy {

YaraRules::YaraRules(YR_RULES* rules) : rules_(rules) {}

void YaraRules::Deleter::operator()(YR_RULES* rules) const {
  if (rules != nullptr) yr_rules_destroy(rules);
}

}  // namespace mamori::policy
