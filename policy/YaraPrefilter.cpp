#include "policy/YaraPrefilter.h"

#include <yara.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "policy/YaraConditions.h"

namespace mamori::policy {

namespace {

// What libyara's nocase compares (yr_lowercase, tolower() of the process's locale when libyara was
// initialised): the prefilter folds ASCII letters only, so it is built only where that is all
// tolower/toupper change (the C locale and UTF-8 locales).
bool localeFoldsAsciiOnly() {
  for (int c = 0; c < 256; ++c) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!letter && (std::tolower(c) != c || std::toupper(c) != c)) return false;
  }
  return true;
}

unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }
bool isAsciiLetter(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// A hex string qualifies when libyara reduced it to its bytes (LITERAL: no wildcards, jumps or
// alternatives); string->string then holds exactly the bytes it searches for, like a text string's.
// The P2P signature sets are written in hex (so that a binary carrying their text does not match
// them): without this, libyara read all of every program file the inspection tool looked at.
constexpr std::uint32_t kRefused = STRING_FLAGS_REGEXP | STRING_FLAGS_XOR | STRING_FLAGS_BASE64 |
                                   STRING_FLAGS_BASE64_WIDE | STRING_FLAGS_CHAIN_PART | STRING_FLAGS_CHAIN_TAIL;

std::unique_ptr<const YaraPrefilter> none(std::string* reason, std::string why) {
  if (reason != nullptr) *reason = std::move(why);
  return nullptr;
}

}  // namespace

std::unique_ptr<const YaraPrefilter> YaraPrefilter::build(const YR_RULES* rules, std::string_view source,
                                                          std::string* reason) {
  if (rules == nullptr) return none(reason, "no rules");
  if (!localeFoldsAsciiOnly()) return none(reason, "the locale folds more than ASCII letters");
  const auto needs = rulesNeedingStrings(source);
  if (!needs) return none(reason, "the source holds syntax the condition reader does not follow");
  std::unique_ptr<YaraPrefilter> prefilter(new YaraPrefilter());
  std::size_t ruleCount = 0;
  const YR_RULE* rule = nullptr;
  yr_rules_foreach(rules, rule) {
    ++ruleCount;
    const std::string name = rule->identifier;
    const auto found = needs->find(name);
    if (found == needs->end()) return none(reason, "rule " + name + " not found in the source");
    if (!found->second) return none(reason, "rule " + name + " may be true without a string match");
    const YR_STRING* string = nullptr;
    yr_rule_strings_foreach(rule, string) {
      const std::uint32_t flags = string->flags;
      if ((flags & STRING_FLAGS_LITERAL) == 0 || (flags & kRefused) != 0)
        return none(reason, "rule " + name + " has a string that is not plain text");
      const std::string bytes(reinterpret_cast<const char*>(string->string),  // NOLINT: libyara's bytes
                              static_cast<std::size_t>(string->length));
      const bool nocase = (flags & STRING_FLAGS_NO_CASE) != 0;
      if (nocase &&
          std::any_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        return none(reason, "rule " + name + " has a nocase string with non-ASCII bytes");
      if (bytes.size() < 4) return none(reason, "rule " + name + " has a string shorter than 4 bytes");
      const bool wide = (flags & STRING_FLAGS_WIDE) != 0;
      if ((flags & STRING_FLAGS_ASCII) != 0 || !wide) prefilter->add({bytes, nocase});
      if (wide) {
        std::string widened;
        for (const char c : bytes) {
          widened.push_back(c);
          widened.push_back('\0');
        }
        prefilter->add({std::move(widened), nocase});
      }
    }
  }
  if (ruleCount != needs->size()) return none(reason, "the source and the compiled rules differ");
  if (prefilter->patterns_.empty()) return none(reason, "no strings");
  std::sort(prefilter->byHash_.begin(), prefilter->byHash_.end());
  prefilter->byHash_.erase(std::unique(prefilter->byHash_.begin(), prefilter->byHash_.end()), prefilter->byHash_.end());
  return prefilter;
}

std::unique_ptr<const YaraPrefilter> YaraPrefilter::unionOf(const std::vector<const YaraPrefilter*>& parts) {
  if (parts.empty()) return nullptr;
  std::unique_ptr<YaraPrefilter> all(new YaraPrefilter());
  for (const YaraPrefilter* part : parts) {
    if (part == nullptr) return nullptr;
    for (const Pattern& p : part->patterns_) all->add(p);
  }
  std::sort(all->byHash_.begin(), all->byHash_.end());
  all->byHash_.erase(std::unique(all->byHash_.begin(), all->byHash_.end()), all->byHash_.end());
  return all;
}

void YaraPrefilter::add(Pattern pattern) {
  const auto index = static_cast<std::uint32_t>(patterns_.size());
  // Every case variant of the first four bytes (at most 16) gets its bit.
  unsigned letters = 0;
  if (pattern.nocase) {
    for (unsigned i = 0; i < 4; ++i)
      if (isAsciiLetter(static_cast<unsigned char>(pattern.bytes[i]))) letters |= 1U << i;
  }
  for (unsigned variant = 0; variant < 16; ++variant) {
    if ((variant & ~letters) != 0) continue;
    unsigned char window[4];
    for (unsigned i = 0; i < 4; ++i) {
      const auto c = fold(static_cast<unsigned char>(pattern.bytes[i]));
      window[i] = (letters & (1U << i)) != 0 && (variant & (1U << i)) != 0 ? static_cast<unsigned char>(c - 32) : c;
      if ((letters & (1U << i)) == 0) window[i] = static_cast<unsigned char>(pattern.bytes[i]);
    }
    std::uint32_t value = 0;
    std::memcpy(&value, window, 4);
    const std::uint32_t hash = hashOf(value);
    bits_[hash >> 6U] |= std::uint64_t{1} << (hash & 63U);
    byHash_.emplace_back(hash, index);
  }
  patterns_.push_back(std::move(pattern));
}

bool YaraPrefilter::verify(const unsigned char* at, std::size_t left, std::uint32_t hash) const {
  auto range = std::equal_range(byHash_.begin(), byHash_.end(), std::make_pair(hash, std::uint32_t{0}),
                                [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto it = range.first; it != range.second; ++it) {
    const Pattern& p = patterns_[it->second];
    if (p.bytes.size() > left) continue;
    if (!p.nocase) {
      if (std::memcmp(at, p.bytes.data(), p.bytes.size()) == 0) return true;
      continue;
    }
    std::size_t i = 0;
    while (i < p.bytes.size() && fold(at[i]) == fold(static_cast<unsigned char>(p.bytes[i]))) ++i;
    if (i == p.bytes.size()) return true;
  }
  return false;
}

bool YaraPrefilter::mayMatch(std::string_view data) const {
  if (data.size() < 4) return false;  // every string is at least 4 bytes long in each form
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());  // NOLINT: bytes of the buffer
  const std::size_t last = data.size() - 4;
  const std::uint64_t* bits = bits_.data();
  for (std::size_t i = 0; i <= last; ++i) {
    std::uint32_t window = 0;
    std::memcpy(&window, p + i, 4);
    const std::uint32_t hash = hashOf(window);
    if (((bits[hash >> 6U] >> (hash & 63U)) & 1U) != 0 && verify(p + i, data.size() - i, hash)) return true;
  }
  return false;
}

}  // namespace mamori::policy
