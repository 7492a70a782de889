#pragma once
// Exact data match (docs/decisions/0034): what a column holds and how one of its values is
// normalised, the same way for the administrator's CSV cell and for a span of a scanned file's text,
// so "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう" and "ヤマダタロウ" meet, and "03-1234-5678", "(03) 1234 5678" and
// "+81 3 1234 5678" are the same number.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::fingerprint {

// The values are stored in artifacts (EdmArtifact): add new types at the end only.
enum class EdmType : std::uint8_t { kName, kKana, kPhone, kEmail, kMyNumber, kCard, kNumber, kAddress, kText, kSkip };

// How a type's values are normalised and hashed: types sharing a normaliser share the hash domain,
// so a span of text is hashed once for them all (a name found in a kana column is still the row's).
enum class EdmKind : std::uint8_t { kName, kPhone, kEmail, kDigits, kAddress, kText };
constexpr std::size_t kEdmKinds = 6;

// "name", "kana", "phone", "email", "mynumber", "card", "number", "address", "text", "skip".
std::optional<EdmType> edmTypeFromName(std::string_view name);
std::string_view edmTypeName(EdmType type);
EdmKind edmKind(EdmType type);
// The hash domain of a kind ("edm:name", ...): what FingerprintKey derives the kind's key from.
std::string_view edmDomain(EdmKind kind);
// Names and free text are weak evidence (many people share a name, and its kana follows from it): a
// row is matched only with at least one strong value (phone, e-mail, numbers, address) among its
// columns found.
bool edmTypeIsStrong(EdmType type);

// The normalised value of text as a value of kind, or nullopt when text cannot be one:
//   name:    NFKC with case folding, katakana as hiragana, only letters (no digits), 2 to 48 of them
//   phone:   only digits and separators (spaces, hyphens and dashes, parentheses, '+', '.'), a leading
//            +81 read as 0, 8 to 15 digits kept
//   email:   full-width ASCII folded, lower case, local@domain.tld of [a-z0-9._%+-]
//   digits:  only digits and spaces or hyphens, 4 to 19 digits kept (My Number 12, card 13 to 19)
//   address: like a name but digits kept, and 丁目, 番地, 番 and 号 after a digit dropped, so
//            "1丁目2番3号" and "1-2-3" meet; at least 4 characters
//   text:    like a name with digits kept, at least 2 characters
std::optional<std::string> normalizeEdmValue(EdmKind kind, std::string_view text);
// The same into out, its buffer reused (the scanner normalises thousands of candidates a file); false
// when text cannot be a value of kind (out is then unspecified).
bool normalizeEdmValueInto(EdmKind kind, std::string_view text, std::string& out);

// normalizeEdmValueInto of text as a phone and as digits at once (the scanner reads every span that
// may be one as both): the kinds text is a value of (kEdmAsPhone, kEdmAsDigits), and its value in out,
// the same for both when it is both (a phone written with parentheses or '+' is no number).
constexpr unsigned kEdmAsPhone = 1, kEdmAsDigits = 2;
unsigned normalizeEdmDigitsInto(std::string_view text, std::string& out);

// The name, address or text value of text already through normalizeText (TextNormalizer.h): the
// scanner normalises each word once and joins them. Other kinds: nullopt.
std::optional<std::string> edmValueFromNormalized(EdmKind kind, const std::u32string& normalized);
// The same into out (its buffer reused: the scanner builds thousands of values a file); false when
// normalized cannot be a value of kind (out is then unspecified).
bool edmValueInto(EdmKind kind, std::u32string_view normalized, std::string& out);

// Normalised text (TextNormalizer.h) as UTF-8, with its length in characters and whether it holds an
// ASCII digit: what the scanner keeps of each word of a file, so a candidate of several words is
// their bytes joined, not code points converted again for every candidate and kind.
struct NormalizedUtf8 {
  std::string_view utf8;
  std::size_t chars = 0;
  bool digit = false;
};
// The name, address or text value of such text: a view of text.utf8 itself, or (an address whose
// block numbers had 丁目, 番地, 番 or 号 to drop) of scratch. False when it cannot be one. The same
// values as edmValueInto.
bool edmValueOf(EdmKind kind, const NormalizedUtf8& text, std::string& scratch, std::string_view& value);

// A cell's values to register: its normalised value, and for a name of two words the other order too
// ("山田 太郎" is also found as "太郎 山田", "Taro Yamada" as "Yamada Taro").
std::vector<std::string> edmCellValues(EdmType type, std::string_view cell);

}  // namespace mamori::fingerprint
