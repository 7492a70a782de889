#include "policy/YaraConditions.h"

#include <cctype>
#include <cstddef>
#include <vector>

namespace mamori::policy {

namespace {

enum class Kind { kIdent, kText, kNumber, kStringId, kOtherId, kRegex, kHex, kPunct, kEnd, kBad };

struct Token {
  Kind kind = Kind::kEnd;
  std::string_view text;
};

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool identChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// YARA's tokens, enough to find each rule's name and condition: comments skipped, text, regular
// expressions and hex strings read whole (they may hold any character), two-character operators.
class Lexer {
 public:
  explicit Lexer(std::string_view source) : s_(source) {}

  // value: where a regular expression or hex string may start (after '=' in strings:, after `matches`).
  Token next(bool value) {
    if (!skipSpace()) return {Kind::kBad, {}};
    if (at_ >= s_.size()) return {Kind::kEnd, {}};
    const std::size_t start = at_;
    const char c = s_[at_];
    if (c == '"') return quoted(start, '"', Kind::kText);
    if (value && c == '/') {
      Token t = quoted(start, '/', Kind::kRegex);
      while (at_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[at_])) != 0) ++at_;
      t.text = s_.substr(start, at_ - start);
      return t;
    }
    if (value && c == '{') {
      const std::size_t close = s_.find('}', at_);
      if (close == std::string_view::npos) return {Kind::kBad, {}};
      at_ = close + 1;
      return {Kind::kHex, s_.substr(start, at_ - start)};
    }
    if (c == '$' || c == '#' || c == '@' || (c == '!' && at_ + 1 < s_.size() && identStart(s_[at_ + 1]))) {
      ++at_;
      while (at_ < s_.size() && (identChar(s_[at_]) || s_[at_] == '*')) ++at_;
      return {c == '$' ? Kind::kStringId : Kind::kOtherId, s_.substr(start, at_ - start)};
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      if (s_.substr(at_, 2) == "0x" || s_.substr(at_, 2) == "0X") at_ += 2;
      while (at_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[at_])) != 0) ++at_;
      if (at_ + 1 < s_.size() && s_[at_] == '.' && std::isdigit(static_cast<unsigned char>(s_[at_ + 1])) != 0) {
        ++at_;
        while (at_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[at_])) != 0) ++at_;
      }
      if (s_.substr(at_, 2) == "KB" || s_.substr(at_, 2) == "MB") at_ += 2;
      return {Kind::kNumber, s_.substr(start, at_ - start)};
    }
    if (identStart(c)) {
      while (at_ < s_.size() && identChar(s_[at_])) ++at_;
      return {Kind::kIdent, s_.substr(start, at_ - start)};
    }
    static constexpr std::string_view kPairs[] = {"..", "==", "!=", "<=", ">=", "<<", ">>"};
    for (const auto pair : kPairs) {
      if (s_.substr(at_, 2) == pair) {
        at_ += 2;
        return {Kind::kPunct, s_.substr(start, 2)};
      }
    }
    ++at_;
    return {Kind::kPunct, s_.substr(start, 1)};
  }

  std::size_t position() const { return at_; }
  void rewind(std::size_t position) { at_ = position; }

 private:
  bool skipSpace() {
    while (at_ < s_.size()) {
      const char c = s_[at_];
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        ++at_;
      } else if (s_.substr(at_, 2) == "//") {
        const std::size_t end = s_.find('\n', at_);
        at_ = end == std::string_view::npos ? s_.size() : end + 1;
      } else if (s_.substr(at_, 2) == "/*") {
        const std::size_t end = s_.find("*/", at_ + 2);
        if (end == std::string_view::npos) return false;
        at_ = end + 2;
      } else {
        return true;
      }
    }
    return true;
  }

  Token quoted(std::size_t start, char close, Kind kind) {
    ++at_;
    while (at_ < s_.size() && s_[at_] != close) {
      if (s_[at_] == '\n') return {Kind::kBad, {}};
      at_ += s_[at_] == '\\' ? 2 : 1;
    }
    if (at_ >= s_.size()) return {Kind::kBad, {}};
    ++at_;
    return {kind, s_.substr(start, at_ - start)};
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

bool is(const Token& t, std::string_view text) {
  return (t.kind == Kind::kIdent || t.kind == Kind::kPunct) && t.text == text;
}

using Tokens = std::vector<Token>;

// Index of the ')' closing the '(' at open, or end when there is none.
std::size_t closing(const Tokens& t, std::size_t open, std::size_t end) {
  int depth = 0;
  for (std::size_t i = open; i < end; ++i) {
    if (is(t[i], "(")) ++depth;
    if (is(t[i], ")") && --depth == 0) return i;
  }
  return end;
}

bool needsString(const Tokens& t, std::size_t begin, std::size_t end, int depth);

// Parentheses nested deeper than this are not followed (a doubt, so "may be true without a string").
constexpr int kMaxDepth = 32;

// One operand of `and` / `or`.
bool operandNeedsString(const Tokens& t, std::size_t b, std::size_t e, int depth) {
  if (b >= e) return false;
  if (is(t[b], "(") && closing(t, b, e) == e - 1) return depth < kMaxDepth && needsString(t, b + 1, e - 1, depth + 1);
  if (e - b == 1) {
    return t[b].kind == Kind::kStringId && t[b].text.size() > 1 && t[b].text.find('*') == std::string_view::npos;
  }
  // quantifier `of` set
  if (e - b < 3 || !is(t[b + 1], "of")) return false;
  const Token& quantifier = t[b];
  bool some = is(quantifier, "any") || is(quantifier, "all");
  if (quantifier.kind == Kind::kNumber) {
    bool decimal = !quantifier.text.empty();
    std::size_t value = 0;
    for (const char c : quantifier.text) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0) decimal = false;
      if (decimal && value < 1000000) value = value * 10 + static_cast<std::size_t>(c - '0');
    }
    some = decimal && value >= 1;
  }
  if (!some) return false;
  if (e - b == 3) return is(t[b + 2], "them");
  // ( $a, $b*, ... )
  if (!is(t[b + 2], "(") || !is(t[e - 1], ")")) return false;
  bool expectId = true;
  for (std::size_t i = b + 3; i < e - 1; ++i) {
    if (expectId ? t[i].kind != Kind::kStringId : !is(t[i], ",")) return false;
    expectId = !expectId;
  }
  return !expectId;
}

// Splits [begin, end) at `word` outside parentheses.
std::vector<std::pair<std::size_t, std::size_t>> split(const Tokens& t, std::size_t begin, std::size_t end,
                                                       std::string_view word) {
  std::vector<std::pair<std::size_t, std::size_t>> parts;
  int depth = 0;
  std::size_t from = begin;
  for (std::size_t i = begin; i < end; ++i) {
    if (is(t[i], "(")) ++depth;
    if (is(t[i], ")")) --depth;
    if (depth == 0 && t[i].kind == Kind::kIdent && t[i].text == word) {
      parts.emplace_back(from, i);
      from = i + 1;
    }
  }
  parts.emplace_back(from, end);
  return parts;
}

bool needsString(const Tokens& t, std::size_t begin, std::size_t end, int depth) {
  // `and` binds tighter than `or`: every alternative must need a string, and an alternative needs one
  // when any of its conjuncts does.
  for (const auto& [b, e] : split(t, begin, end, "or")) {
    bool conjunctNeeds = false;
    for (const auto& [cb, ce] : split(t, b, e, "and")) {
      if (operandNeedsString(t, cb, ce, depth)) {
        conjunctNeeds = true;
        break;
      }
    }
    if (!conjunctNeeds) return false;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view source) : lexer_(source) {}

  std::optional<std::map<std::string, bool>> read() {
    std::map<std::string, bool> rules;
    for (Token t = lexer_.next(false);; t = lexer_.next(false)) {
      if (t.kind == Kind::kEnd) return rules;
      if (is(t, "private") || is(t, "global")) continue;
      if (is(t, "import")) {
        if (lexer_.next(false).kind != Kind::kText) return std::nullopt;
        continue;
      }
      if (!is(t, "rule")) return std::nullopt;  // include, or what this reader does not follow
      const Token name = lexer_.next(false);
      if (name.kind != Kind::kIdent) return std::nullopt;
      auto condition = ruleBody();
      if (!condition) return std::nullopt;
      if (!rules.emplace(std::string(name.text), needsString(*condition, 0, condition->size(), 0)).second)
        return std::nullopt;
    }
  }

 private:
  // Is the next token `word` followed by ':' (a section's start)? Consumes both only when consume.
  bool section(std::string_view word, bool consume = true) {
    const std::size_t at = lexer_.position();
    const bool found = is(lexer_.next(false), word) && is(lexer_.next(false), ":");
    if (!found || !consume) lexer_.rewind(at);
    return found;
  }

  // From after the rule's name to its closing brace: the condition's tokens.
  std::optional<Tokens> ruleBody() {
    Token t = lexer_.next(false);
    if (is(t, ":")) {  // tags
      for (t = lexer_.next(false); t.kind == Kind::kIdent; t = lexer_.next(false)) {
      }
    }
    if (!is(t, "{")) return std::nullopt;
    if (section("meta")) {
      while (!section("strings", false) && !section("condition", false)) {
        if (lexer_.next(false).kind != Kind::kIdent || !is(lexer_.next(false), "=")) return std::nullopt;
        Token value = lexer_.next(false);
        if (is(value, "-")) value = lexer_.next(false);
        if (value.kind != Kind::kText && value.kind != Kind::kNumber && !is(value, "true") && !is(value, "false"))
          return std::nullopt;
      }
    }
    if (section("strings")) {
      while (!section("condition", false)) {
        if (lexer_.next(false).kind != Kind::kStringId || !is(lexer_.next(false), "=")) return std::nullopt;
        const Token value = lexer_.next(true);
        if (value.kind != Kind::kText && value.kind != Kind::kRegex && value.kind != Kind::kHex) return std::nullopt;
        // Modifiers (nocase, wide, xor(1-255), base64("...") ...) until the next string or condition:.
        for (;;) {
          const std::size_t at = lexer_.position();
          const Token m = lexer_.next(false);
          if (m.kind == Kind::kStringId || is(m, "condition")) {
            lexer_.rewind(at);
            break;
          }
          if (m.kind == Kind::kEnd || m.kind == Kind::kBad) return std::nullopt;
        }
      }
    }
    if (!section("condition")) return std::nullopt;
    Tokens condition;
    bool afterMatches = false;
    for (;;) {
      const Token c = lexer_.next(afterMatches);
      if (c.kind == Kind::kEnd || c.kind == Kind::kBad) return std::nullopt;
      if (is(c, "}")) break;
      afterMatches = is(c, "matches");
      condition.push_back(c);
    }
    if (condition.empty()) return std::nullopt;
    return condition;
  }

  Lexer lexer_;
};

}  // namespace

std::optional<std::map<std::string, bool>> rulesNeedingStrings(std::string_view source) {
  return Reader(source).read();
}

}  // namespace mamori::policy
