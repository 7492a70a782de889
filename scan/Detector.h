#pragma once
// A built-in detector counts valid occurrences of one kind of personal data in UTF-8 text. Detectors
// are stateless and thread-safe; thresholds (min_count) are applied per file by the caller.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::scan {

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string name() const = 0;                         // "credit_card", "my_number"
  virtual std::int64_t count(std::string_view utf8) const = 0;  // valid numbers found
};

// Card numbers: 13-19 digits (ASCII or full-width), single spaces or hyphens between digits allowed,
// a known issuer prefix and length, and the Luhn check.
class CreditCardDetector final : public Detector {
 public:
  std::string name() const override { return "credit_card"; }
  std::int64_t count(std::string_view utf8) const override;
};

// Japanese individual numbers: exactly 12 digits (optionally 4-4-4 with spaces or hyphens) whose last
// digit is the official check digit.
class MyNumberDetector final : public Detector {
 public:
  std::string name() const override { return "my_number"; }
  std::int64_t count(std::string_view utf8) const override;
};

bool luhnValid(std::string_view digits);
bool cardIssuerPlausible(std::string_view digits);
bool myNumberValid(std::string_view digits);  // 12 ASCII digits

// Every digit run in text, as ASCII digits: runs are digits joined by at most one separator (space or
// hyphen) between two digits, bounded by anything else. Full-width digits count as digits.
// A run glued to an ASCII letter or digit (an identifier such as "ID1234") is not reported, nor one
// longer than maxDigits (at most 30).
std::vector<std::string> digitRuns(std::string_view utf8, std::size_t maxDigits);

}  // namespace mamori::scan
