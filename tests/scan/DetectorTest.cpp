// Built-in detectors: check digits, separators, boundaries.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scan/Detector.h"

using namespace mamori::scan;

TEST_CASE("Luhn and issuer checks accept real test numbers and refuse near misses") {
  CHECK(luhnValid("4111111111111111"));
  CHECK_FALSE(luhnValid("4111111111111112"));
  CHECK(cardIssuerPlausible("4111111111111111"));
  CHECK(cardIssuerPlausible("378282246310005"));         // Amex, 15
  CHECK_FALSE(cardIssuerPlausible("3782822463100050"));  // Amex is never 16
  CHECK_FALSE(cardIssuerPlausible("9111111111111111"));  // no issuer starts with 9
}

TEST_CASE("credit card numbers with spaces, hyphens and full-width digits") {
  const CreditCardDetector cards;
  CHECK(cards.count("card 4111 1111 1111 1111 exp 12/29") == 1);
  CHECK(cards.count("5555-5555-5555-4444") == 1);
  CHECK(cards.count("ｶｰﾄﾞ：４１１１１１１１１１１１１１１１") == 1);
  CHECK(cards.count("4111 1111 1111 1112") == 0);   // Luhn fails
  CHECK(cards.count("41111111111111110000") == 0);  // 20 digits: not a card
  CHECK(cards.count("ID4111111111111111") == 0);    // glued to letters: an identifier
  CHECK(cards.count("4111  1111 1111 1111") == 0);  // two spaces end the run
  CHECK(cards.count("4111111111111111,5555555555554444") == 2);
}

TEST_CASE("My Number check digit") {
  CHECK(myNumberValid("123456789018"));
  CHECK_FALSE(myNumberValid("123456789010"));
  const MyNumberDetector numbers;
  CHECK(numbers.count("個人番号: 1234 5678 9018") == 1);
  CHECK(numbers.count("個人番号: 1234-5678-9018") == 1);
  CHECK(numbers.count("個人番号: １２３４５６７８９０１８") == 1);
  CHECK(numbers.count("1234 5678 9010") == 0);
  CHECK(numbers.count("91234 5678 9018") == 0);  // 13 digits
  // Shown with thousands separators (a sheet's "#,##0"): one number, only with groups of three.
  CHECK(numbers.count("個人番号 123,456,789,018 円") == 1);
  CHECK(numbers.count("123,456,789,018.00") == 1);
  CHECK(numbers.count("12,3456,789,018") == 0);
  CHECK(numbers.count("1234,567,890,18") == 0);
  CHECK(numbers.count("123,456,789,0189") == 0);
  CHECK(numbers.count("123,456 789 018") == 0);  // separators not mixed
  CHECK(numbers.count("1234 5678,901") == 0);
  CHECK(digitRuns("1,2,3; 12,345; 1,234,567,8", 19) ==
        std::vector<std::string>{"1", "2", "3", "12345", "1234567", "8"});
  const CreditCardDetector cards;
  CHECK(cards.count("4111111111111111,123") == 1);  // a card in a CSV row keeps its own digits
  CHECK(cards.count("378,282,246,310,005") == 1);
}

TEST_CASE(
    "numbers are found at every offset, whatever bytes surround them (text is skipped 32 and 8 bytes at a time)") {
  const CreditCardDetector cards;
  const MyNumberDetector numbers;
  // Fillers with bytes just outside '0'..'9' ('/' and ':'), near 0xEF, and Japanese text.
  for (const std::string& filler : {std::string("/"), std::string(":"), std::string("\xEE"), std::string("\xF0"),
                                    std::string("x"), std::string("議")}) {
    for (std::size_t before = 0; before < 72; ++before) {
      std::string lead;
      while (lead.size() < before) lead += filler;
      lead += ' ';
      const std::string trail = " " + lead;
      CAPTURE(filler);
      CAPTURE(before);
      CHECK(cards.count(lead + "4111 1111 1111 1111 " + trail) == 1);
      CHECK(cards.count(lead + "４１１１１１１１１１１１１１１１" + trail) == 1);
      CHECK(numbers.count(lead + "1234 5678 9018" + trail) == 1);
      CHECK(digitRuns(lead + "7" + trail, 19) == std::vector<std::string>{"7"});
      CHECK(digitRuns(lead + "0" + trail, 19) == std::vector<std::string>{"0"});  // both ends of '0'..'9'
      CHECK(digitRuns(lead + "9" + trail, 19) == std::vector<std::string>{"9"});
      CHECK(digitRuns(lead + "９" + trail, 19) == std::vector<std::string>{"9"});
      CHECK(digitRuns(lead, 19).empty());
    }
  }
}
