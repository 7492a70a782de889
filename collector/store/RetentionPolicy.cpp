#include "collector/store/RetentionPolicy.h"

#include <algorithm>
#include <cstdio>

#include "common/CommandLine.h"
#include "common/Event.h"

namespace mamori::collector::store {

namespace {

// Does rule `inner` pick only events that rule `outer` (a family) also picks?
bool within(const RetentionRule& inner, const RetentionRule& outer) {
  return outer.family && inner.type.size() > outer.type.size() && inner.type.rfind(outer.type, 0) == 0;
}

// The SQL condition for what one rule picks, before more specific rules are taken out.
void addMatch(const RetentionRule& rule, bool negate, RetentionClass& out) {
  if (!out.condition.empty()) out.condition += " AND ";
  if (rule.family) {
    // "content." <= type < "content/": every type starting with "content." ('/' follows '.'), as an
    // index range on (type, id).
    std::string end = rule.type;
    end.back() = static_cast<char>('.' + 1);
    out.condition += negate ? "NOT (type >= ? AND type < ?)" : "type >= ? AND type < ?";
    out.params.push_back(rule.type);
    out.params.push_back(end);
  } else {
    out.condition += negate ? "type <> ?" : "type = ?";
    out.params.push_back(rule.type);
  }
}

}  // namespace

int RetentionPolicy::daysFor(const std::string& type) const {
  const RetentionRule* best = nullptr;
  for (const auto& rule : rules) {
    const bool matches = rule.family ? type.rfind(rule.type, 0) == 0 : type == rule.type;
    if (!matches) continue;
    if (!rule.family) return rule.days;
    if (best == nullptr || rule.type.size() > best->type.size()) best = &rule;
  }
  return best != nullptr ? best->days : defaultDays;
}

int RetentionPolicy::longestDays() const {
  int longest = defaultDays;
  for (const auto& rule : rules) {
    if (rule.days == 0 || longest == 0) return 0;
    longest = std::max(longest, rule.days);
  }
  return longest;
}

std::string RetentionPolicy::describe() const {
  auto days = [](int n) { return n == 0 ? std::string("forever") : std::to_string(n) + " days"; };
  std::string text = "default " + days(defaultDays);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    text += (i == 0 ? "; " : ", ") + rules[i].text() + "=" + days(rules[i].days);
  }
  return text;
}

common::Result<int> parseRetentionDays(const std::string& text) {
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos) {
    return common::makeError("expected a number of days from 0 (keep forever) to " + std::to_string(kMaxRetentionDays) +
                                 ", not \"" + text + "\"",
                             "retention");
  }
  auto days = common::parseInteger(text, 0, kMaxRetentionDays);
  if (!days) {
    return common::makeError("at most " + std::to_string(kMaxRetentionDays) + " days, not " + text, "retention");
  }
  return static_cast<int>(days.value());
}

common::Status addRetentionRules(const std::string& text, RetentionPolicy& policy) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const std::string where = "--retention \"" + item + "\"";
    const auto eq = item.find('=');
    if (eq == std::string::npos) return common::makeError("expected TYPE=DAYS, e.g. content.*=365", where);
    RetentionRule rule;
    rule.type = item.substr(0, eq);
    if (rule.type.size() > 2 && rule.type.compare(rule.type.size() - 2, 2, ".*") == 0) {
      rule.family = true;
      rule.type.pop_back();  // keep the dot: "content."
      if (!common::isValidEventType(rule.type + "x")) {
        return common::makeError("expected a type family such as content.* (lower-case words and dots)", where);
      }
    } else if (!common::isValidEventType(rule.type)) {
      return common::makeError("expected an event type such as file.read_bulk or a family such as content.*", where);
    }
    auto days = parseRetentionDays(item.substr(eq + 1));
    if (!days) return common::makeError(days.error().message, where);
    rule.days = days.value();
    auto same = std::find_if(policy.rules.begin(), policy.rules.end(),
                             [&](const RetentionRule& r) { return r.type == rule.type && r.family == rule.family; });
    if (same != policy.rules.end()) {
      *same = rule;
    } else {
      policy.rules.push_back(rule);
    }
    if (comma == text.size()) break;
  }
  return common::Ok{};
}

std::vector<RetentionClass> retentionClasses(const RetentionPolicy& policy, std::int64_t nowMs) {
  std::vector<RetentionClass> classes;
  for (const auto& rule : policy.rules) {
    if (rule.days == 0) continue;
    RetentionClass c;
    c.label = rule.text();
    addMatch(rule, false, c);
    // A family leaves out the exact types and longer families inside it: they have their own rule.
    for (const auto& other : policy.rules) {
      if (&other != &rule && within(other, rule)) addMatch(other, true, c);
    }
    c.cutoffMs = nowMs - static_cast<std::int64_t>(rule.days) * kDayMs;
    classes.push_back(std::move(c));
  }
  if (policy.defaultDays != 0) {
    RetentionClass c;
    c.label = "default";
    for (const auto& rule : policy.rules) addMatch(rule, true, c);
    if (c.condition.empty()) c.condition = "1 = 1";
    c.cutoffMs = nowMs - static_cast<std::int64_t>(policy.defaultDays) * kDayMs;
    classes.push_back(std::move(c));
  }
  return classes;
}

std::string uuid7Floor(std::int64_t unixMs) {
  const auto ms = static_cast<unsigned long long>(std::max<std::int64_t>(unixMs, 0)) & 0xffffffffffffULL;
  char text[40];
  std::snprintf(text, sizeof text, "%08llx-%04llx-0000-0000-000000000000", ms >> 16, ms & 0xffffULL);
  return text;
}

}  // namespace mamori::collector::store
