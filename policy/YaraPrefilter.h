#pragma once
// The literal prefilter in front of libyara (docs/decisions/0053): when every rule of a compiled set
// can only be true after one of its strings matched (policy/YaraConditions) and every string is a plain
// text string of at least 4 bytes, a buffer holding none of those strings (in each form the rules ask
// for: as is, `wide`, `nocase`) cannot make any rule true, and libyara need not be called for it.
// Any other set gets no prefilter (build returns null) and every buffer goes to libyara.
//
// The test is one pass over the buffer: a 4-byte window hashed into a bit table (8 KiB) of the
// strings' first four bytes, every case variant included for nocase; a set bit is checked against
// the whole string. A buffer that holds a string is always passed on: the answer "may match" is
// exact about presence, never about the rule (libyara still decides).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct YR_RULES;

namespace mamori::policy {

class YaraPrefilter {
 public:
  // The prefilter of rules compiled from source, or null when the set cannot be prefiltered (why: in
  // reason, if given).
  static std::unique_ptr<const YaraPrefilter> build(const YR_RULES* rules, std::string_view source,
                                                    std::string* reason = nullptr);

  // One prefilter for several sets (each set's own, as build made them): false only when data holds
  // none of any set's strings, so one pass answers for every set. Null when a part is null (a set
  // that cannot be prefiltered) or there is none.
  static std::unique_ptr<const YaraPrefilter> unionOf(const std::vector<const YaraPrefilter*>& parts);

  // False only when data holds none of the rules' strings in any of their forms.
  bool mayMatch(std::string_view data) const;

  std::size_t patternCount() const { return patterns_.size(); }

 private:
  struct Pattern {
    std::string bytes;  // one form of a string: as written, or its wide form
    bool nocase = false;
  };
  static constexpr unsigned kBits = 16;  // bit table of 2^16 bits

  YaraPrefilter() = default;
  void add(Pattern pattern);
  bool verify(const unsigned char* at, std::size_t left, std::uint32_t hash) const;
  static std::uint32_t hashOf(std::uint32_t window) { return (window * 0x9E3779B1U) >> (32U - kBits); }

  std::vector<std::uint64_t> bits_ = std::vector<std::uint64_t>((1U << kBits) / 64U, 0);
  std::vector<Pattern> patterns_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> byHash_;  // (hash, pattern index), sorted
};

}  // namespace mamori::policy
