#pragma once
// Exact data match in a scanned file's text (docs/decisions/0034). The text is cut into candidate
// values: lines, then fields at tabs, commas, semicolons, bars, quotes, colons and angle brackets
// (how a CSV, a spreadsheet's cells, a table or a mail's "Name <address>" arrive), then words at
// spaces; every run of 1 to 4 words of one field is a candidate. Each candidate is normalised as
// every kind of value the set holds, hashed with the fleet key and looked up. A row is found when
// values of at least min_columns of its columns, one of them strong (not a name), lie within
// window bytes of each other; a value shared by more than kMaxRowsPerValue rows identifies none.
//
// When every strong column's values carry a digit or an '@' (phones, numbers, e-mail; addresses when
// the set says all of them hold a digit), a row can only be found around such a value: the text is
// first searched for the characters that can make one, the candidates of their fields are looked up
// as those kinds only, and only the lines within window bytes of a value found there are cut into
// every candidate (docs/decisions/0057). When fewer than min_columns of the set's columns with values
// are of kinds other than phone, e-mail and digits, only those three kinds are looked up first, and the
// others (addresses, names, text) only on the lines within window bytes of one found (0066). The answer
// is the same as reading every candidate.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fingerprint/EdmSet.h"
#include "fingerprint/FingerprintKey.h"

namespace mamori::fingerprint {

constexpr std::size_t kEdmMaxWordsPerValue = 4;

struct EdmMatch {
  std::int64_t rows = 0;             // distinct rows found
  std::vector<EdmType> columnTypes;  // the types of the columns that made them found, distinct
};

enum class EdmPass {
  kAnchored,        // around the strong values only when the set allows it (edmAnchored), else every candidate
  kEveryCandidate,  // every candidate of the text, every character decoded (the reference the anchored pass
                    // and its skipping of plain bytes are tested against)
};

EdmMatch matchEdm(const EdmSet& set, const FingerprintKey& key, std::string_view text,
                  EdmPass pass = EdmPass::kAnchored);

// For tests: the values of the set's kinds found in text by one read of its fields (every field, those
// holding a character that can make a digit or an '@', or those holding none), by the classes of its
// bytes as matchEdm reads it (with the kernel reader names) or character by character: (offset, line
// start, column, row), sorted.
enum class EdmFields { kEvery, kTriggered, kUntriggered };
enum class EdmReader { kCharacters, kBytes, kSse2, kAvx2, kAvx512, kChosen };
// Whether this processor (and MAMORI_CPU_FEATURES) lets reader run.
bool edmReaderRuns(EdmReader reader);
std::vector<std::array<std::uint32_t, 4>> edmValuesRead(const EdmSet& set, const FingerprintKey& key,
                                                        std::string_view text, EdmFields fields, EdmReader reader);

// For tests: the first byte at or after from of a character that can make a digit or an '@' (or may:
// the search's superset), std::string_view::npos if none, as the anchored pass searches it with
// reader's vector steps (kCharacters and kBytes: none; kAvx512: AVX-512 VBMI's); nullopt when those
// cannot run here.
std::optional<std::size_t> edmNextTrigger(std::string_view text, std::size_t from, EdmReader reader);

// Whether every strong column of set is of a kind whose values hold an ASCII digit or an '@' (phone,
// digits, e-mail; an address kind when the set says every address holds a digit): then matchEdm reads
// only around them. (It also reads only around phones, e-mails and numbers, whatever its addresses,
// when fewer than min_columns of its columns with values are of other kinds: docs/decisions/0066.)
bool edmAnchored(const EdmSet& set);

// Whether c (not ASCII) normalises (TextNormalizer) to text that can hold an ASCII digit: full-width
// digits, superscripts, fractions, circled and parenthesised numbers, ... A superset.
bool edmDigitSource(char32_t c);

}  // namespace mamori::fingerprint
