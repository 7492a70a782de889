#include "policy/YaraRules.h"

#include <yara.h>

namespace mamori::policy {

YaraRules::YaraRules(YR_RULES* rules, std::string_view source)
    : rules_(rules),
      noPrefilterReason_("built without its source"),
      prefilter_(source.empty() ? nullptr : YaraPrefilter::build(rules, source, &noPrefilterReason_)) {
  if (prefilter_) noPrefilterReason_.clear();
}

YaraRules::YaraRules(Loader load) : load_(std::move(load)), noPrefilterReason_("not loaded") {}

const YaraRules& YaraRules::built() const {
  if (!load_) return *this;
  std::call_once(once_, [this] {
    auto loaded = load_();
    if (loaded && loaded.value()) {
      inner_ = std::move(loaded).value();
    } else {
      loadError_ = loaded ? "no rules" : loaded.error().describe();
    }
    tried_ = true;
  });
  return inner_ ? *inner_ : *this;  // this: no rules, no prefilter ("not loaded")
}

void YaraRules::Deleter::operator()(YR_RULES* rules) const {
  if (rules != nullptr) yr_rules_destroy(rules);
}

}  // namespace mamori::policy
