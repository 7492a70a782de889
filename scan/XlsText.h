#pragma once
// The text of an Excel 97-2003 workbook (BIFF8, the "Workbook" stream of an .xls compound file): the
// shared-string table (8-bit "compressed" and UTF-16 strings, rich-text and phonetic runs skipped,
// strings continued across CONTINUE records with the flag byte restated at each one), inline LABEL
// and formula string results, numbers in cells (NUMBER, RK, MULRK, formula results) rendered as the
// digits a person sees (a card number or My Number stored as a number is its digits, not 4.1E+15),
// sheet names and page headers and footers. BIFF5 workbooks (Excel 5/95) keep 8-bit strings in the
// code page their CODEPAGE record names (932 for Japanese): those are decoded through it. Pure and
// bounded.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::scan {

struct LegacyTextResult {
  std::string text;  // UTF-8
  std::vector<std::string> problems;
  bool encrypted = false;
};

LegacyTextResult xlsText(std::string_view workbook, std::size_t maxText);

// A cell's number as Excel's General format shows integers (all digits up to 2^53), else 15 significant digits.
std::string excelNumber(double value);

}  // namespace mamori::scan
