#include "fingerprint/EdmMatcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <bitset>
#include <cstring>
#include <optional>
#include <span>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/CpuFeatures.h"
#include "common/Utf8.h"
#include "fingerprint/Avx512.h"
#include "fingerprint/TextNormalizer.h"

namespace mamori::fingerprint {

namespace {

// Found values beyond this many are not kept (bounds one file's memory; a file that holds this many
// registered values has long been found).
constexpr std::size_t kMaxFound = 1U << 22U;
constexpr std::size_t kMaxCandidateBytes = 192;
// The row of a Found that stands for the rows of a value that cannot be found (Scanner::keepOnly): no
// set has a row of this number (anchorPlan keeps to sets of fewer rows).
constexpr std::uint32_t kOtherRows = UINT32_MAX;

struct Found {
  std::uint32_t row;
  std::uint32_t offset;
  std::uint32_t line;  // the offset where its line starts
  std::uint8_t column;
};

struct Word {
  std::size_t begin, end;
  std::string normalized;  // TextNormalizer's form as UTF-8: what name, address and text values are made of
  std::size_t chars;       // its characters
  bool digit;              // whether it holds an ASCII digit
  bool trigger;            // whether its text holds a character isTrigger takes (a phone or a number needs one)
  bool at;                 // whether it holds an '@' (an e-mail needs one)
};

bool isDigit(char32_t c) { return c >= '0' && c <= '9'; }

enum class Cut { kNone, kWord, kField };

constexpr Cut cutAt(std::uint32_t c) {
  switch (c) {
    case ' ':
    case 0x3000:
    case 0x00A0: return Cut::kWord;
    case '\n':
    case '\r':
    case '\t':
    case '\f':
    case '\v':
    case ',':
    case ';':
    case '|':
    case '"':
    case ':':
    case '<':
    case '>':
    case '[':
    case ']':
    case 0xFF0C:
    case 0xFF1A:
    case 0xFF1B:
    case 0x300C:
    case 0x300D:
    case 0xFF1C:
    case 0xFF1E: return Cut::kField;
    default: return Cut::kNone;
  }
}

constexpr bool isTrigger(std::uint32_t c) {
  return (c >= '0' && c <= '9') || c == '@' || (c >= 0x80 && edmDigitSource(c));
}

// cutAt and isTrigger of the ASCII characters, looked up per byte: bits 0-1 the Cut, bit 2 a trigger.
constexpr std::array<std::uint8_t, 128> kAsciiClass = [] {
  std::array<std::uint8_t, 128> table{};
  for (std::uint32_t c = 0; c < 128; ++c)
    table[c] = static_cast<std::uint8_t>(static_cast<unsigned>(cutAt(c)) | (isTrigger(c) ? 4U : 0U));
  return table;
}();

// 1 for the ASCII letters and digits (what TextNormalizer keeps of ASCII text, a byte each).
constexpr std::array<std::uint8_t, 256> kAsciiAlnum = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 128; ++c)
    table[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? 1 : 0;
  return table;
}();

// The kinds of value the set's columns with values in its index are of: a column whose values were
// all dropped (each shared by too many rows) finds nothing, so its kind is not looked for.
std::bitset<kEdmKinds> kindsOf(const EdmSet& set) {
  std::bitset<kEdmKinds> kinds;
  for (std::size_t c = 0; c < set.columns.size(); ++c)
    if (set.columns[c] != EdmType::kSkip && set.columnPresent(c))
      kinds.set(static_cast<std::size_t>(edmKind(set.columns[c])));
  return kinds;
}

// The set's kinds whose values can lie in a field holding no character isTrigger takes: names, text,
// and addresses unless the set says every address holds a digit. A phone or a number needs digits, an
// e-mail an '@', and an ASCII digit is only what a trigger normalises to (0057: a test runs every code
// point through the normaliser). In a set the anchored pass reads (edmAnchored), names and text.
std::bitset<kEdmKinds> untriggeredKinds(const EdmSet& set) {
  std::bitset<kEdmKinds> kinds = kindsOf(set);
  for (const EdmKind kind : {EdmKind::kPhone, EdmKind::kDigits, EdmKind::kEmail})
    kinds.reset(static_cast<std::size_t>(kind));
  if (set.valuesHoldDigits(EdmKind::kAddress)) kinds.reset(static_cast<std::size_t>(EdmKind::kAddress));
  return kinds;
}

// The bytes of a block of up to 64 from a text's position, classified for Scanner::scanBlocks: bit i
// describes the block's byte i.
struct ByteClasses {
  std::uint64_t field = 0;     // an ASCII character cutAt ends a field at
  std::uint64_t word = 0;      // an ASCII space (cutAt: a word's end)
  std::uint64_t trigger = 0;   // an ASCII digit or '@' (isTrigger)
  std::uint64_t at = 0;        // an '@' (what an e-mail candidate needs)
  std::uint64_t special = 0;   // a lead byte of a character that may be a cut or a trigger: C2 A0-BE, E2 81-9E,
                               // E3 80 or 88-8F, EF BC, F0 9D-9F (the caller decodes those)
  std::uint64_t nonAscii = 0;  // a byte >= 0x80
};

// The same classes, byte by byte: what runs without SSE2, and on a text's last 64 bytes (so every
// text the tests compare the passes on runs it too). p[0, 65) is read (the byte after the block tells
// a lead byte's character).
ByteClasses classifyBytes(const unsigned char* p) {
  ByteClasses k;
  for (unsigned i = 0; i < 64; ++i) {
    const unsigned b = p[i], n = p[i + 1];
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (b < 0x80) {
      const std::uint8_t kind = kAsciiClass[b];
      if ((kind & 3U) == static_cast<unsigned>(Cut::kField)) k.field |= bit;
      if ((kind & 3U) == static_cast<unsigned>(Cut::kWord)) k.word |= bit;
      if ((kind & 4U) != 0) k.trigger |= bit;
      if (b == '@') k.at |= bit;
      continue;
    }
    k.nonAscii |= bit;
    if ((b == 0xC2 && n >= 0xA0 && n <= 0xBE) || (b == 0xE2 && n >= 0x81 && n <= 0x9E) ||
        (b == 0xE3 && (n == 0x80 || (n >= 0x88 && n <= 0x8F))) || (b == 0xEF && n == 0xBC) ||
        (b == 0xF0 && n >= 0x9D && n <= 0x9F))
      k.special |= bit;
  }
  return k;
}

#if defined(__SSE2__)
// 16 bytes of classifyBytes, as 16-bit masks into k at bit shift.
inline void classify16(const unsigned char* p, ByteClasses& k, unsigned shift) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));      // NOLINT: byte view
  const __m128i n = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));  // NOLINT
  const auto is = [](__m128i x, int b) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(b))); };
  const auto inRange = [](__m128i x, int lo, int hi) {
    const __m128i shifted = _mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(lo)));
    return _mm_cmpeq_epi8(_mm_subs_epu8(shifted, _mm_set1_epi8(static_cast<char>(hi - lo))), _mm_setzero_si128());
  };
  const auto bits = [shift](__m128i m) {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(m))) << shift;
  };
  __m128i field = _mm_or_si128(inRange(v, 0x09, 0x0D), _mm_or_si128(is(v, '"'), is(v, ',')));
  field = _mm_or_si128(field, _mm_or_si128(inRange(v, ':', '<'), is(v, '>')));
  field = _mm_or_si128(field, _mm_or_si128(_mm_or_si128(is(v, '['), is(v, ']')), is(v, '|')));
  __m128i special = _mm_or_si128(_mm_and_si128(is(v, 0xC2), inRange(n, 0xA0, 0xBE)),
                                 _mm_and_si128(is(v, 0xE2), inRange(n, 0x81, 0x9E)));
  special = _mm_or_si128(special, _mm_and_si128(is(v, 0xE3), _mm_or_si128(is(n, 0x80), inRange(n, 0x88, 0x8F))));
  special = _mm_or_si128(special, _mm_or_si128(_mm_and_si128(is(v, 0xEF), is(n, 0xBC)),
                                               _mm_and_si128(is(v, 0xF0), inRange(n, 0x9D, 0x9F))));
  k.field |= bits(field);
  k.word |= bits(is(v, ' '));
  const __m128i at = is(v, '@');
  k.trigger |= bits(_mm_or_si128(inRange(v, '0', '9'), at));
  k.at |= bits(at);
  k.special |= bits(special);
  k.nonAscii |= bits(v);
}

ByteClasses classifySse2(const unsigned char* p) {
  ByteClasses k;
  for (unsigned i = 0; i < 64; i += 16) classify16(p + i, k, i);
  return k;
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx2"))) inline __m256i is32(__m256i x, int b) {
  return _mm256_cmpeq_epi8(x, _mm256_set1_epi8(static_cast<char>(b)));
}
__attribute__((target("avx2"))) inline __m256i inRange32(__m256i x, int lo, int hi) {
  const __m256i shifted = _mm256_sub_epi8(x, _mm256_set1_epi8(static_cast<char>(lo)));
  return _mm256_cmpeq_epi8(_mm256_subs_epu8(shifted, _mm256_set1_epi8(static_cast<char>(hi - lo))),
                           _mm256_setzero_si256());
}
__attribute__((target("avx2"))) inline std::uint64_t bits32(__m256i m, unsigned shift) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(m))) << shift;
}
// classifyBytes 32 bytes a step.
__attribute__((target("avx2"))) ByteClasses classifyAvx2(const unsigned char* p) {
  ByteClasses k;
  for (unsigned i = 0; i < 64; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));      // NOLINT: byte view
    const __m256i n = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));  // NOLINT
    __m256i field = _mm256_or_si256(inRange32(v, 0x09, 0x0D), _mm256_or_si256(is32(v, '"'), is32(v, ',')));
    field = _mm256_or_si256(field, _mm256_or_si256(inRange32(v, ':', '<'), is32(v, '>')));
    field = _mm256_or_si256(field, _mm256_or_si256(_mm256_or_si256(is32(v, '['), is32(v, ']')), is32(v, '|')));
    __m256i special = _mm256_or_si256(_mm256_and_si256(is32(v, 0xC2), inRange32(n, 0xA0, 0xBE)),
                                      _mm256_and_si256(is32(v, 0xE2), inRange32(n, 0x81, 0x9E)));
    special = _mm256_or_si256(
        special, _mm256_and_si256(is32(v, 0xE3), _mm256_or_si256(is32(n, 0x80), inRange32(n, 0x88, 0x8F))));
    special = _mm256_or_si256(special, _mm256_or_si256(_mm256_and_si256(is32(v, 0xEF), is32(n, 0xBC)),
                                                       _mm256_and_si256(is32(v, 0xF0), inRange32(n, 0x9D, 0x9F))));
    k.field |= bits32(field, i);
    k.word |= bits32(is32(v, ' '), i);
    const __m256i at = is32(v, '@');
    k.trigger |= bits32(_mm256_or_si256(inRange32(v, '0', '9'), at), i);
    k.at |= bits32(at, i);
    k.special |= bits32(special, i);
    k.nonAscii |= bits32(v, i);
  }
  return k;
}

MAMORI_AVX512_BEGIN
__attribute__((target("avx512f,avx512bw"))) inline std::uint64_t is64(__m512i x, int b) {
  return _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(static_cast<char>(b)));
}
__attribute__((target("avx512f,avx512bw"))) inline std::uint64_t inRange64(__m512i x, int lo, int hi) {
  return _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(static_cast<char>(lo))),
                                _mm512_set1_epi8(static_cast<char>(hi - lo)));
}
// classifyBytes 64 bytes at once.
__attribute__((target("avx512f,avx512bw"))) ByteClasses classifyAvx512(const unsigned char* p) {
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i n = _mm512_loadu_si512(p + 1);
  ByteClasses k;
  k.field = inRange64(v, 0x09, 0x0D) | is64(v, '"') | is64(v, ',') | inRange64(v, ':', '<') | is64(v, '>') |
            is64(v, '[') | is64(v, ']') | is64(v, '|');
  k.word = is64(v, ' ');
  k.at = is64(v, '@');
  k.trigger = inRange64(v, '0', '9') | k.at;
  k.special = (is64(v, 0xC2) & inRange64(n, 0xA0, 0xBE)) | (is64(v, 0xE2) & inRange64(n, 0x81, 0x9E)) |
              (is64(v, 0xE3) & (is64(n, 0x80) | inRange64(n, 0x88, 0x8F))) | (is64(v, 0xEF) & is64(n, 0xBC)) |
              (is64(v, 0xF0) & inRange64(n, 0x9D, 0x9F));
  k.nonAscii = _mm512_movepi8_mask(v);
  return k;
}
MAMORI_AVX512_END
#endif

std::size_t lineStartOf(std::string_view text, std::size_t at);
// Just after the '\n' at or after at, or the text's end.
std::size_t lineEndOf(std::string_view text, std::size_t at);

using Classifier = ByteClasses (*)(const unsigned char*);

// The kernel this processor runs (chosen once; MAMORI_CPU_FEATURES=baseline: SSE2, every x86-64 has it).
Classifier classifier() {
#if defined(__x86_64__)
  if (common::cpuHas(common::CpuFeature::kAvx512f) && common::cpuHas(common::CpuFeature::kAvx512bw))
    return classifyAvx512;
  if (common::cpuHas(common::CpuFeature::kAvx2)) return classifyAvx2;
#endif
#if defined(__SSE2__)
  return classifySse2;
#else
  return classifyBytes;
#endif
}

class Scanner {
 public:
  // classify: read the text by the classes of its bytes, 64 at a time (scanBlocks), with that kernel;
  // without (nullptr), every character is decoded and tested in turn (the reference the tests compare
  // the blocks with).
  // triggered, untriggered: the kinds (of the set's kindsOf) looked up in the fields that hold a
  // character isTrigger takes, and in those that hold none.
  Scanner(const EdmSet& set, const FingerprintKey& key, std::string_view text, std::bitset<kEdmKinds> triggered,
          std::bitset<kEdmKinds> untriggered, Classifier classify)
      : set_(set),
        key_(key),
        text_(text),
        triggeredKinds_(triggered),
        untriggeredKinds_(untriggered),
        classify_(classify) {
    for (const EdmType type : set.columns) columnKinds_.push_back(edmKind(type));
  }

  // Reads the lines of text_[from, to): from is the start of a line, to the end of one (just after its
  // '\n') or of the text. Lines read apart give the candidates they give in one read of the text.
  // Returns whether a field read held a character isTrigger takes.
  bool scan(std::size_t from, std::size_t to) {
    if (found_.size() >= kMaxFound) return false;
    if (classify_ == nullptr) return scanCharacters(from, to);
    bool any = false;
    scanBlocks(from, to, false, any);
    return any;
  }

  // Reads the lines from the line start from as a list (docs/decisions/0067): each line while the one
  // before held a trigger, so up to and with the first line that holds none. Returns where it stopped
  // (the end of that line, or of the text). The same candidates as scan() of those lines one by one.
  std::size_t scanList(std::size_t from) {
    if (found_.size() >= kMaxFound) return text_.size();
    bool any = false;
    if (classify_ != nullptr) return scanBlocks(from, text_.size(), true, any);
    for (bool dense = true; dense && from < text_.size();) {
      const std::size_t next = lineEndOf(text_, from);
      dense = scanCharacters(from, next);
      from = next;
    }
    return from;
  }

  std::vector<Found> take() {
    flush();
    return std::move(found_);
  }

  // Keeps the values' records only of rows (sorted), and for the others one Found of row kOtherRows
  // per value and column: all the row rule asks of them is that another row's value lies there.
  void keepOnly(std::vector<std::uint32_t> rows) {
    keepRows_ = std::move(rows);
    keeping_ = true;
  }

 private:
  // The reference: every character decoded and tested in turn.
  bool scanCharacters(std::size_t from, std::size_t to) {
    std::size_t wordBegin = 0;
    bool inWord = false, triggered = false, wordTrigger = false, wordAt = false, ascii = true, anyTriggered = false;
    lineStart_ = static_cast<std::uint32_t>(from);
    for (std::size_t at = from; at <= to;) {
      std::uint32_t c = '\n';
      std::size_t length = 1;
      bool trigger = false;
      Cut cut = Cut::kField;
      if (at < to && static_cast<unsigned char>(text_[at]) < 0x80) {
        c = static_cast<unsigned char>(text_[at]);
        const std::uint8_t kind = kAsciiClass[c];
        cut = static_cast<Cut>(kind & 3U);
        trigger = (kind & 4U) != 0;
      } else if (at < to) {
        ascii = false;
        length = decodeAt(at, c);
        cut = cutAt(c);
        trigger = isTrigger(c);
      }
      triggered = triggered || trigger;
      if (cut != Cut::kNone && inWord) {
        addWord(wordBegin, at, wordTrigger, wordAt);
        inWord = false;
      } else if (cut == Cut::kNone && !inWord) {
        wordBegin = at;
        inWord = true;
        wordTrigger = wordAt = false;
      }
      wordTrigger = wordTrigger || trigger;
      wordAt = wordAt || c == '@';
      if (cut == Cut::kField) {
        anyTriggered = anyTriggered || triggered;
        endField(triggered, ascii);
        triggered = false;
        ascii = true;
      }
      if (c == '\n') lineStart_ = static_cast<std::uint32_t>(at + 1);
      at += length;
      if (found_.size() >= kMaxFound) break;
    }
    return anyTriggered;
  }

  // The same candidates from the bytes' classes, 64 bytes a block (classifier()): a word is a run of
  // bytes that are no part of a cut, a field ends at a field cut's first byte, a word or a field holds
  // a trigger when one of its bytes starts one. Only the lead bytes that may start a non-ASCII cut or
  // trigger are decoded (as the character loop decodes them: every lead byte and ASCII byte starts a
  // character there, since a character's other bytes are continuation bytes); the cuts' continuation
  // bytes are cuts too. A field's bytes begin after its cut's last byte, and it is ASCII when none of
  // them up to its cut's first byte is not.
  // untilQuiet: stop after the first line that holds no trigger (scanList). Returns where it stopped;
  // anyTrigger: whether a field read held a trigger.
  std::size_t scanBlocks(std::size_t from, std::size_t to, bool untilQuiet, bool& anyTrigger) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text_.data());  // NOLINT: byte view
    lineStart_ = static_cast<std::uint32_t>(from);
    bool inWord = false, wordTrigger = false, wordAt = false, fieldTrigger = false, fieldAscii = true,
         lineTrigger = false;
    anyTrigger = false;
    std::size_t wordBegin = from, fieldBegin = from;
    std::uint64_t carriedCut = 0;  // the bytes of a cut begun in the block before
    const bool passUntriggered = untriggeredKinds_.none();
    for (std::size_t base = from; base < to; base += 64) {
      const std::size_t size = std::min<std::size_t>(64, to - base);
      const std::uint64_t valid = size == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << size) - 1;
      ByteClasses k;
      if (text_.size() - base >= 65) {
        k = classify_(bytes + base);
      } else {  // the text's last bytes, padded (a zero byte is of no class), byte by byte
        std::array<unsigned char, 65> tail{};
        std::memcpy(tail.data(), bytes + base, text_.size() - base);
        k = classifyBytes(tail.data());
      }
      std::uint64_t cut = k.field | k.word | carriedCut, field = k.field, trigger = k.trigger;
      carriedCut = 0;
      for (std::uint64_t special = k.special & valid; special != 0; special &= special - 1) {
        const auto i = static_cast<unsigned>(std::countr_zero(special));
        std::uint32_t c = 0;
        const std::size_t length = decodeAt(base + i, c);
        const Cut kind = cutAt(c);
        if (kind == Cut::kNone) {
          if (isTrigger(c)) trigger |= std::uint64_t{1} << i;
          continue;
        }
        if (kind == Cut::kField) field |= std::uint64_t{1} << i;
        const std::size_t last = i + length;  // at most 64 + 3
        cut |= last >= 64 ? ~std::uint64_t{0} << i : ((std::uint64_t{1} << last) - 1) & (~std::uint64_t{0} << i);
        if (last > 64) carriedCut = (std::uint64_t{1} << (last - 64)) - 1;
      }
      cut &= valid;
      field &= valid;
      trigger &= valid;
      const std::uint64_t nonAscii = k.nonAscii & valid;
      anyTrigger = anyTrigger || trigger != 0;
      // The bits of this block at or after position at.
      const auto fromHere = [base](std::size_t at) {
        return at <= base ? ~std::uint64_t{0} : at - base >= 64 ? 0 : ~std::uint64_t{0} << (at - base);
      };
      const std::uint64_t inside = ~cut & valid;
      const std::uint64_t after = (inside << 1U) | (inWord ? 1U : 0U);  // the byte before is in a word
      const std::uint64_t starts = inside & ~after;
      std::uint64_t ends = cut & after;
      std::uint64_t events = starts | ends | field;
      // A field without a trigger gives nothing when no kind is read in such fields (the first read):
      // its words are passed over when its end lies in this block (first: where its words may start).
      const auto passQuiet = [&](unsigned first) {
        if (!passUntriggered || inWord) return;
        const std::uint64_t later = field & (~std::uint64_t{0} << first);
        if (later == 0) return;
        const std::uint64_t end = std::uint64_t{1} << std::countr_zero(later);
        if (fieldTrigger || (trigger & fromHere(fieldBegin) & (end - 1)) != 0) return;
        const std::uint64_t words = (end | (end - 1)) & (~std::uint64_t{0} << first) & ~field;
        events &= ~words;        // the field's end stays an event ...
        ends &= ~(words | end);  // ... but not a word's end
      };
      passQuiet(0);
      for (; events != 0; events &= events - 1) {
        const auto i = static_cast<unsigned>(std::countr_zero(events));
        const std::uint64_t bit = std::uint64_t{1} << i;
        const bool isEnd = (ends & bit) != 0, isField = (field & bit) != 0, isStart = (starts & bit) != 0;
        const std::size_t at = base + i;
        if (isEnd) {
          addWord(wordBegin, at, wordTrigger || (trigger & fromHere(wordBegin) & (bit - 1)) != 0,
                  wordAt || (k.at & fromHere(wordBegin) & (bit - 1)) != 0);
          inWord = false;
        }
        if (isField) {
          endField(fieldTrigger || (trigger & fromHere(fieldBegin) & (bit - 1)) != 0,
                   fieldAscii && (nonAscii & fromHere(fieldBegin) & (bit | (bit - 1))) == 0);
          fieldTrigger = false;
          fieldAscii = true;
          std::uint32_t c = bytes[at];
          fieldBegin = at + (c < 0x80 ? 1 : decodeAt(at, c));
          if (bytes[at] == '\n') {
            if (untilQuiet && !lineTrigger && (trigger & fromHere(lineStart_) & (bit - 1)) == 0) return at + 1;
            lineTrigger = false;
            lineStart_ = static_cast<std::uint32_t>(at + 1);
          }
          if (found_.size() >= kMaxFound) return text_.size();
          if (i < 63) passQuiet(i + 1);
        }
        if (isStart) {
          wordBegin = at;
          inWord = true;
          wordTrigger = wordAt = false;
        }
      }
      if (inWord) {
        wordTrigger = wordTrigger || (trigger & fromHere(wordBegin)) != 0;
        wordAt = wordAt || (k.at & valid & fromHere(wordBegin)) != 0;
      }
      fieldTrigger = fieldTrigger || (trigger & fromHere(fieldBegin)) != 0;
      fieldAscii = fieldAscii && (nonAscii & fromHere(fieldBegin)) == 0;
      lineTrigger = lineTrigger || (trigger & fromHere(lineStart_)) != 0;
    }
    if (inWord) addWord(wordBegin, to, wordTrigger, wordAt);
    endField(fieldTrigger, fieldAscii);
    return to;
  }

  // The character at text_[at] and its bytes (U+FFFD, 1 byte, for bytes that are not UTF-8).
  std::size_t decodeAt(std::size_t at, std::uint32_t& c) const {
    if (threeBytes(at, c)) return 3;
    const std::size_t length = common::decodeUtf8(text_, at, c);
    if (length > 0) return length;
    c = 0xFFFD;
    return 1;
  }

  // The field's words are kept across fields (their buffers reused): only the first count_ count.
  void addWord(std::size_t begin, std::size_t end, bool trigger, bool at) {
    if (count_ == words_.size()) words_.emplace_back();
    words_[count_].begin = begin;
    words_[count_].end = end;
    words_[count_].trigger = trigger;
    words_[count_].at = at;
    ++count_;
  }

  // A field's end: its candidates looked up as the kinds read in such a field.
  void endField(bool triggered, bool ascii) {
    kinds_ = triggered ? triggeredKinds_ : untriggeredKinds_;
    if (count_ > 0 && kinds_.any()) candidates(ascii);
    count_ = 0;
  }

  // A well-formed three-byte character at text_[at] (most of Japanese text), decoded here rather
  // than by common::decodeUtf8; anything else is left to it.
  bool threeBytes(std::size_t at, std::uint32_t& c) const {
    if (text_.size() - at < 3) return false;
    const auto b0 = static_cast<unsigned char>(text_[at]);
    const auto b1 = static_cast<unsigned char>(text_[at + 1]);
    const auto b2 = static_cast<unsigned char>(text_[at + 2]);
    if ((b0 & 0xF0U) != 0xE0U || (b1 & 0xC0U) != 0x80U || (b2 & 0xC0U) != 0x80U) return false;
    const std::uint32_t decoded = ((b0 & 0x0FU) << 12U) | ((b1 & 0x3FU) << 6U) | (b2 & 0x3FU);
    if (decoded < 0x800 || (decoded >= 0xD800 && decoded <= 0xDFFF)) return false;  // overlong, surrogate
    c = decoded;
    return true;
  }

  bool wants(EdmKind kind) const { return kinds_.test(static_cast<std::size_t>(kind)); }

  // Whether the set holds values of kind of 1 to bytes bytes.
  bool holdsLengthUpTo(EdmKind kind, std::size_t bytes) const {
    const std::uint64_t upTo = bytes >= 63 ? ~std::uint64_t{0} : (edmLengthBit(bytes) << 1U) - 1;
    return (set_.lengths[static_cast<std::size_t>(kind)] & upTo & ~kEdmDigitBit) != 0;
  }

  // ascii: whether the field is ASCII text, whose normalised form is its letters and digits (ASCII
  // letters fold to ASCII, the rest is dropped: TextNormalizer.h), so not normalised for names,
  // addresses or text longer than those (a phone's or an e-mail's field for addresses of 30 bytes).
  void candidates(bool ascii) {
    const std::span<Word> words(words_.data(), count_);
    bool icuKinds = wants(EdmKind::kName) || wants(EdmKind::kAddress) || wants(EdmKind::kText);
    if (icuKinds) {
      std::size_t bound = kMaxCandidateBytes;
      if (ascii) {
        bound = 0;
        for (std::size_t at = words.front().begin; at < words.back().end; ++at)
          bound += kAsciiAlnum[static_cast<unsigned char>(text_[at])];
      }
      icuKinds = false;
      for (const EdmKind kind : {EdmKind::kName, EdmKind::kAddress, EdmKind::kText})
        icuKinds = icuKinds || (wants(kind) && holdsLengthUpTo(kind, bound));
    }
    if (!icuKinds) {  // phones, numbers and e-mails only: the spans' bytes are all they need
      for (std::size_t first = 0; first < words.size(); ++first) {
        bool trigger = false, at = false;
        for (std::size_t last = first; last < words.size() && last < first + kEdmMaxWordsPerValue; ++last) {
          const std::size_t begin = words[first].begin, end = words[last].end;
          if (end - begin > kMaxCandidateBytes) break;
          trigger = trigger || words[last].trigger;
          at = at || words[last].at;
          if (trigger) digitsAndEmail(text_.substr(begin, end - begin), at, static_cast<std::uint32_t>(begin));
        }
      }
      return;
    }
    // A word longer than a candidate is in no candidate: not normalised.
    for (auto& w : words) {
      w.normalized.clear();
      w.chars = 0;
      w.digit = false;
      if (icuKinds && w.end - w.begin <= kMaxCandidateBytes) {
        normalizeTextInto(text_.substr(w.begin, w.end - w.begin), codePoints_);
        appendUtf8(w.normalized, codePoints_);
        w.chars = codePoints_.size();
        w.digit = std::any_of(codePoints_.begin(), codePoints_.end(), isDigit);
      }
    }
    for (std::size_t first = 0; first < words.size(); ++first) {
      joined_.clear();
      std::size_t chars = 0;
      bool digit = false, trigger = false, at = false;
      for (std::size_t last = first; last < words.size() && last < first + kEdmMaxWordsPerValue; ++last) {
        const std::size_t begin = words[first].begin, end = words[last].end;
        if (end - begin > kMaxCandidateBytes) break;
        const std::string_view span = text_.substr(begin, end - begin);
        joined_ += words[last].normalized;
        chars += words[last].chars;
        digit = digit || words[last].digit;
        trigger = trigger || words[last].trigger;
        at = at || words[last].at;
        if (trigger) digitsAndEmail(span, at, static_cast<std::uint32_t>(begin));
        candidate({joined_, chars, digit}, static_cast<std::uint32_t>(begin));
      }
    }
  }

  // A span holding a character isTrigger takes as a phone, a number (ASCII or full-width digits) and,
  // when it holds an '@' (at), an e-mail.
  void digitsAndEmail(std::string_view span, bool at, std::uint32_t offset) {
    const unsigned char first = static_cast<unsigned char>(span.front());
    // Not ASCII: a phone or a number starts with a full-width digit, parenthesis or '+' (EF) or a
    // separator (E3, C2, E2, EF): normalizeEdmDigitsInto reads no other.
    const bool digitLike = (first >= '0' && first <= '9') || first == '(' || first == '+' || first == 0xEF ||
                           first == 0xE3 || first == 0xE2 || first == 0xC2;
    if (digitLike && (wants(EdmKind::kPhone) || wants(EdmKind::kDigits))) {
      // A phone and a number from one read of the span (the same value when it is both).
      const unsigned as = normalizeEdmDigitsInto(span, value_);
      if (wants(EdmKind::kPhone) && (as & kEdmAsPhone) != 0) lookup(EdmKind::kPhone, value_, offset);
      if (wants(EdmKind::kDigits) && (as & kEdmAsDigits) != 0) lookup(EdmKind::kDigits, value_, offset);
    }
    if (at && wants(EdmKind::kEmail)) lookupIf(EdmKind::kEmail, span, offset);
  }

  // The candidate whose words' normalised text is normalized (at offset) as a name, an address or text.
  void candidate(const NormalizedUtf8& normalized, std::uint32_t offset) {
    if (normalized.chars < 2) return;
    std::string_view value;
    for (const EdmKind kind : {EdmKind::kName, EdmKind::kAddress, EdmKind::kText})
      // A name or text value is the normalised text, an address at most as long (block numbers' 丁目
      // ... dropped): not built when the set holds no value of the kind that short.
      if (wants(kind) && holdsLengthUpTo(kind, normalized.utf8.size()) && edmValueOf(kind, normalized, value_, value))
        lookup(kind, value, offset);
    // A name with its honorific glued on ("山田太郎様": PDF text often has no space there).
    if (!wants(EdmKind::kName) || normalized.utf8.size() < 3) return;
    switch (static_cast<unsigned char>(normalized.utf8.back())) {  // the last byte of 様, ん, 殿, 君 or 氏
      case 0x98:
      case 0x93:
      case 0xBF:
      case 0x9B:
      case 0x8F: break;
      default: return;
    }
    constexpr std::array<std::pair<std::string_view, std::size_t>, 5> kHonorifics = {
        {{"様", 1}, {"さん", 2}, {"殿", 1}, {"君", 1}, {"氏", 1}}};  // (UTF-8, characters)
    for (const auto& [honorific, chars] : kHonorifics) {
      if (normalized.chars > chars + 1 && normalized.utf8.ends_with(honorific) &&
          edmValueOf(EdmKind::kName,
                     {normalized.utf8.substr(0, normalized.utf8.size() - honorific.size()), normalized.chars - chars,
                      normalized.digit},
                     value_, value))
        lookup(EdmKind::kName, value, offset);
    }
  }

  // Hashes the value and queues its lookup: the index is searched for many values at once
  // (SetIndex::findMany), in the order they were queued. A value of a length no registered value of
  // its kind has is not in the set: neither hashed nor looked up.
  void lookupIf(EdmKind kind, std::string_view span, std::uint32_t offset) {
    if (normalizeEdmValueInto(kind, span, value_)) lookup(kind, value_, offset);
  }
  void lookup(EdmKind kind, std::string_view value, std::uint32_t offset) {
    if (!set_.holdsLength(kind, value.size())) return;
    if (pending_.capacity() == 0) {  // once a scanner: the batch's buffers at their size
      pending_.reserve(kLookupBatch);
      hashes_.reserve(kLookupBatch);
      ranges_.reserve(kLookupBatch);
    }
    pending_.push_back({kind, offset, lineStart_});
    hashes_.push_back(edmValueHash(key_, kind, value));
    if (pending_.size() == kLookupBatch) flush();
  }

  void flush() {
    ranges_.resize(hashes_.size());
    set_.index.findMany(hashes_.data(), hashes_.size(), ranges_.data());
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const auto [begin, end] = ranges_[i];
      if (begin == end || end - begin > kEdmMaxRowsPerValue) continue;
      std::size_t otherColumn = kEdmMaxColumns;  // the column of the last kOtherRows written for this value
      for (std::uint64_t record = begin; record != end && found_.size() < kMaxFound; ++record) {
        const std::uint64_t payload = set_.index.payloadAt(record);
        const auto column = static_cast<std::uint8_t>(set_.columnOf(payload));
        if (column >= columnKinds_.size() || columnKinds_[column] != pending_[i].kind) continue;
        const std::uint32_t row = set_.rowOf(payload);
        if (!keeping_ || std::binary_search(keepRows_.begin(), keepRows_.end(), row)) {
          found_.push_back({row, pending_[i].offset, pending_[i].line, column});
        } else if (otherColumn != column) {  // records are ordered by column, then row
          found_.push_back({kOtherRows, pending_[i].offset, pending_[i].line, column});
          otherColumn = column;
        }
      }
    }
    pending_.clear();
    hashes_.clear();
  }

  const EdmSet& set_;
  const FingerprintKey& key_;
  std::string_view text_;
  std::bitset<kEdmKinds> triggeredKinds_, untriggeredKinds_;
  std::bitset<kEdmKinds> kinds_;  // those of the field being read
  Classifier classify_;
  std::vector<EdmKind> columnKinds_;  // per column of the set
  std::vector<Found> found_;
  bool keeping_ = false;
  std::vector<std::uint32_t> keepRows_;  // with keeping_, the rows whose records are kept (sorted)
  std::uint32_t lineStart_ = 0;          // where the current line starts: what identifies a value's line
  struct Pending {
    EdmKind kind;
    std::uint32_t offset, line;
  };
  static constexpr std::size_t kLookupBatch = 64;
  std::vector<Pending> pending_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;
  std::vector<Word> words_;  // the current field's words (the first count_), buffers kept
  std::size_t count_ = 0;
  std::u32string codePoints_;  // a word's normalised form
  std::string joined_;         // the normalised words of the candidate being built, UTF-8
  std::string value_;          // a value that is not joined_ itself (an address with block numbers)
};

// Where each column's values were found, to tell whether another row's value of a column lies
// between two offsets.
class Interveners {
 public:
  explicit Interveners(const std::vector<Found>& found) {
    for (const auto& f : found) {
      byColumn_[f.column].push_back({f.offset, f.row});
      byLine_.push_back({f.line, f.offset, f.row});
    }
    for (auto& list : byColumn_) std::sort(list.begin(), list.end());
    std::sort(byLine_.begin(), byLine_.end());
  }

  // A value on line that is not (also) row's: the line belongs to another record.
  bool otherOnLine(std::uint32_t line, std::uint32_t row) const {
    auto it = std::lower_bound(byLine_.begin(), byLine_.end(), std::array<std::uint32_t, 3>{line, 0, 0});
    for (std::size_t seen = 0; it != byLine_.end() && (*it)[0] == line; ++seen) {
      if (seen > 256) return true;
      const std::uint32_t offset = (*it)[1];
      bool ours = false;
      for (; it != byLine_.end() && (*it)[0] == line && (*it)[1] == offset; ++it) ours = ours || (*it)[2] == row;
      if (!ours) return true;
    }
    return false;
  }

  // A value of column strictly between from and to that is not (also) row's.
  bool between(std::uint8_t column, std::uint32_t from, std::uint32_t to, std::uint32_t row) const {
    const auto& list = byColumn_[column];
    auto it = std::upper_bound(list.begin(), list.end(), std::pair<std::uint32_t, std::uint32_t>{from, UINT32_MAX});
    for (std::size_t seen = 0; it != list.end() && it->first < to; ++seen) {
      if (seen > 256) return true;  // that many values in between: not one record
      const std::uint32_t offset = it->first;
      bool ours = false;
      for (; it != list.end() && it->first == offset; ++it) ours = ours || it->second == row;
      if (!ours) return true;
    }
    return false;
  }

 private:
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, kEdmMaxColumns> byColumn_;
  std::vector<std::array<std::uint32_t, 3>> byLine_;  // (line, offset, row)
};

// The set's strong columns (bit c: column c).
std::uint64_t strongColumnsOf(const EdmSet& set) {
  std::uint64_t strong = 0;
  for (std::size_t c = 0; c < set.columns.size() && c < kEdmMaxColumns; ++c)
    if (edmTypeIsStrong(set.columns[c])) strong |= std::uint64_t{1} << c;
  return strong;
}

// Whether bits has at least n bits set (std::popcount is a library call without -mpopcnt, and n is
// small: min_columns).
bool holdsBits(std::uint64_t bits, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i, bits &= bits - 1)
    if (bits == 0) return false;
  return true;
}

// The values of all that the row rule can ask Interveners about for the values of found: those less
// than window bytes after one (the rule asks for values strictly between two of a row's values, at
// most window apart) and those on the line of one. In a customer list whose names are registered, a line
// holds values of dozens of rows (a name shared by forty); only the lines around the rows that can
// match are sorted.
std::vector<Found> neighbours(const std::vector<Found>& all, const std::vector<Found>& found, std::uint32_t window) {
  thread_local std::vector<std::uint32_t> offsets, lines;
  offsets.clear();
  lines.clear();
  for (const Found& f : found) {
    offsets.push_back(f.offset);
    lines.push_back(f.line);
  }
  std::sort(offsets.begin(), offsets.end());
  std::sort(lines.begin(), lines.end());
  std::vector<Found> out;
  for (const Found& v : all) {
    // The last of found's offsets before v's (v.offset strictly after it).
    const auto after = std::lower_bound(offsets.begin(), offsets.end(), v.offset);
    const bool between = after != offsets.begin() && v.offset - *(after - 1) < window;
    if (between || std::binary_search(lines.begin(), lines.end(), v.line)) out.push_back(v);
  }
  return out;
}

// The found values of rows that have values of at least set.minColumns distinct columns, one of them
// strong. Most values of a file are their row's only one (an address shared by twenty registered
// rows finds twenty rows once each): a bitmap of row hashes seen once and seen again keeps, in one
// pass, every value of a row found more than once (and a few others, whose hash collides); only
// those go through the exact count of each row's columns, in an open-addressed table keyed by row.
// Both are reused per thread.
std::vector<Found> rowsThatCanMatch(const EdmSet& set, const std::vector<Found>& found) {
  std::vector<Found> out;
  if (found.empty()) return out;
  const std::uint64_t strongColumns = strongColumnsOf(set);
  const auto hashOf = [](std::uint32_t row) { return static_cast<std::uint64_t>(row) * 0x9E3779B97F4A7C15ULL; };
  thread_local std::vector<Found> again;
  again.clear();
  if (set.minColumns <= 1) {
    for (const Found& f : found)
      if (f.row != kOtherRows) again.push_back(f);
  } else {
    thread_local std::vector<std::uint64_t> once, twice;
    std::size_t bits = 1024;
    while (bits < found.size() * 16) bits *= 2;
    once.assign(bits / 64, 0);
    twice.assign(bits / 64, 0);
    const unsigned shift = 64U - static_cast<unsigned>(std::countr_zero(bits));
    for (const Found& f : found) {
      if (f.row == kOtherRows) continue;  // another row's value: it only breaks a record (Interveners)
      const std::uint64_t bit = hashOf(f.row) >> shift;
      const std::uint64_t mask = std::uint64_t{1} << (bit & 63U);
      twice[bit >> 6U] |= once[bit >> 6U] & mask;
      once[bit >> 6U] |= mask;
    }
    for (const Found& f : found) {
      const std::uint64_t bit = hashOf(f.row) >> shift;
      if (f.row != kOtherRows && (twice[bit >> 6U] >> (bit & 63U) & 1U) != 0) again.push_back(f);
    }
    if (again.empty()) return out;
  }
  struct Slot {
    std::uint32_t rowPlusOne;  // 0: empty
    std::uint64_t columns;
  };
  thread_local std::vector<Slot> table;
  std::size_t size = 16;
  while (size < again.size() * 2) size *= 2;
  table.assign(size, Slot{0, 0});
  const std::size_t mask = size - 1;
  const auto slotOf = [&](std::uint32_t row) -> Slot& {
    std::size_t at = hashOf(row) >> 40U & mask;
    while (table[at].rowPlusOne != 0 && table[at].rowPlusOne != row + 1) at = (at + 1) & mask;
    return table[at];
  };
  for (const Found& f : again) {
    Slot& slot = slotOf(f.row);
    slot.rowPlusOne = f.row + 1;
    slot.columns |= std::uint64_t{1} << f.column;
  }
  for (const Found& f : again) {
    const std::uint64_t columns = slotOf(f.row).columns;
    if ((columns & strongColumns) != 0 && holdsBits(columns, set.minColumns)) out.push_back(f);
  }
  return out;
}

std::size_t lineStartOf(std::string_view text, std::size_t at) {
  // memrchr: std::string_view::rfind compares byte by byte.
  const void* newline = at == 0 ? nullptr : memrchr(text.data(), '\n', at);
  return newline == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(newline) - text.data()) + 1;
}

std::size_t lineEndOf(std::string_view text, std::size_t at) {
  const std::size_t newline = text.find('\n', at);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

// The lead bytes of the characters edmDigitSource may take, with the range of the byte after them
// (C2 B2-BE, E2 81-9E, E3 88-8F, EF BC, F0 9D-9F): nextTrigger's vector steps look for these and for
// ASCII digits and '@'.
struct TriggerLead {
  int lead, lo, hi;
};
constexpr std::array<TriggerLead, 5> kTriggerLeads = {
    {{0xC2, 0xB2, 0xBE}, {0xE2, 0x81, 0x9E}, {0xE3, 0x88, 0x8F}, {0xEF, 0xBC, 0xBC}, {0xF0, 0x9D, 0x9F}}};

#if defined(__x86_64__)
// nextTrigger's vector test, 32 bytes a step (most of a text holds no trigger: prose, a list's
// columns of names): from at, the first byte of a 32-byte block in which a byte may start a trigger
// (the same test as the 16-byte step below), or the first place where fewer than 33 bytes remain.
__attribute__((target("avx2"))) inline __m256i inRange256(__m256i v, int lo, int hi) {
  const __m256i shifted = _mm256_sub_epi8(v, _mm256_set1_epi8(static_cast<char>(lo)));
  return _mm256_cmpeq_epi8(_mm256_subs_epu8(shifted, _mm256_set1_epi8(static_cast<char>(hi - lo))),
                           _mm256_setzero_si256());
}
__attribute__((target("avx2"))) inline __m256i is256(__m256i v, int b) {
  return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(static_cast<char>(b)));
}
__attribute__((target("avx2"))) std::size_t plainBlocksAvx2(const unsigned char* bytes, std::size_t at,
                                                            std::size_t size) {
  for (; at + 33 <= size; at += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + at));      // NOLINT
    const __m256i n = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + at + 1));  // NOLINT
    __m256i hit = _mm256_or_si256(inRange256(v, '0', '9'), is256(v, '@'));
#pragma GCC unroll 5
    for (const auto& [lead, lo, hi] : kTriggerLeads)
      hit = _mm256_or_si256(hit, _mm256_and_si256(is256(v, lead), inRange256(n, lo, hi)));
    if (_mm256_movemask_epi8(hit) != 0) return at;
  }
  return at;
}

MAMORI_AVX512_BEGIN
// Per value of a byte's low six bits: the lead byte of kTriggerLeads with those bits (C2, E2, E3, EF
// and F0 have different ones), else a byte without them (so no byte equals it); and the range of the
// byte after that lead.
struct LeadTables {
  alignas(64) std::array<std::uint8_t, 64> lead, lo, span;
};
constexpr LeadTables kLeadTables = [] {
  LeadTables t{};
  for (unsigned i = 0; i < 64; ++i) t.lead[i] = static_cast<std::uint8_t>(i ^ 1U);
  for (const auto& [lead, lo, hi] : kTriggerLeads) {
    t.lead[static_cast<unsigned>(lead) & 63U] = static_cast<std::uint8_t>(lead);
    t.lo[static_cast<unsigned>(lead) & 63U] = static_cast<std::uint8_t>(lo);
    t.span[static_cast<unsigned>(lead) & 63U] = static_cast<std::uint8_t>(hi - lo);
  }
  return t;
}();

// The same test 64 bytes a step with AVX-512 (VBMI's byte permutes), the lead bytes looked up in
// kLeadTables: three lookups instead of a comparison and a range per lead. From at, the first byte of
// a 64-byte block in which a byte may start a trigger, or the first place where fewer than 65 bytes
// remain.
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t plainBlocksVbmi(const unsigned char* bytes,
                                                                                   std::size_t at, std::size_t size) {
  const __m512i leads = _mm512_load_si512(kLeadTables.lead.data());
  const __m512i los = _mm512_load_si512(kLeadTables.lo.data());
  const __m512i spans = _mm512_load_si512(kLeadTables.span.data());
  for (; at + 65 <= size; at += 64) {
    const __m512i v = _mm512_loadu_si512(bytes + at);
    const __m512i n = _mm512_loadu_si512(bytes + at + 1);
    const std::uint64_t lead = _mm512_cmpeq_epi8_mask(_mm512_permutexvar_epi8(v, leads), v);
    const std::uint64_t after =
        _mm512_cmple_epu8_mask(_mm512_sub_epi8(n, _mm512_permutexvar_epi8(v, los)), _mm512_permutexvar_epi8(v, spans));
    if (((lead & after) | inRange64(v, '0', '9') | is64(v, '@')) != 0) return at;
  }
  return at;
}
MAMORI_AVX512_END
#endif

// The trigger search's vector steps (an AVX-512 processor without VBMI searches 32 bytes a step).
enum class Search { kBytes, kSse2, kAvx2, kVbmi };

Search searchKernel() {
#if defined(__x86_64__)
  if (common::cpuHas(common::CpuFeature::kAvx512f) && common::cpuHas(common::CpuFeature::kAvx512bw) &&
      common::cpuHas(common::CpuFeature::kAvx512vbmi))
    return Search::kVbmi;
  if (common::cpuHas(common::CpuFeature::kAvx2)) return Search::kAvx2;
#endif
#if defined(__SSE2__)
  return Search::kSse2;
#else
  return Search::kBytes;
#endif
}

// The first byte at or after from that starts a character isTrigger takes (or may start one: a
// superset is enough), or npos; with search's vector steps (kBytes: none).
std::size_t nextTriggerWith(std::string_view text, std::size_t from, Search search) {
  static constexpr auto kClass = [] {
    // 1: a trigger; 2: the lead byte of characters edmDigitSource may take; 3: U+3000 to U+3FFF (kana,
    // Japanese punctuation), of which only U+3200 to U+33FF (lead E3, then 88 to 8F) may be.
    std::array<std::uint8_t, 256> table{};
    for (int b = '0'; b <= '9'; ++b) table[b] = 1;
    table['@'] = 1;
    for (const int lead : {0xC2, 0xE2, 0xEF, 0xF0}) table[lead] = 2;
    table[0xE3] = 3;
    return table;
  }();
  std::size_t at = from;
#if defined(__SSE2__)
  // 16 bytes at a time: a digit or '@', or a lead byte followed by a byte edmDigitSource's characters
  // start with (C2 B2-BE, E2 81-9E, E3 88-8F, EF BC, F0 9D-9F); the bytes found are checked below.
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());  // NOLINT: byte view
  const auto inRange = [](__m128i v, int lo, int hi) {
    const __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(lo)));
    return _mm_cmpeq_epi8(_mm_subs_epu8(shifted, _mm_set1_epi8(static_cast<char>(hi - lo))), _mm_setzero_si128());
  };
  const auto is = [](__m128i v, int b) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(b))); };
  while (search != Search::kBytes && at + 17 <= text.size()) {
#if defined(__x86_64__)
    // 64 or 32 bytes a step where the processor can (AVX-512 VBMI, AVX2: docs/decisions/0067, 0071);
    // the block holding a possible trigger goes through the 16-byte step below.
    if (search == Search::kVbmi) {
      at = plainBlocksVbmi(bytes, at, text.size());
      if (at + 17 > text.size()) break;
    } else if (search == Search::kAvx2) {
      at = plainBlocksAvx2(bytes, at, text.size());
      if (at + 17 > text.size()) break;
    }
#endif
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + at));      // NOLINT
    const __m128i n = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + at + 1));  // NOLINT
    __m128i hit = _mm_or_si128(inRange(v, '0', '9'), is(v, '@'));
#pragma GCC unroll 5
    for (const auto& [lead, lo, hi] : kTriggerLeads)
      hit = _mm_or_si128(hit, _mm_and_si128(is(v, lead), inRange(n, lo, hi)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask == 0) {
      at += 16;
      continue;
    }
    at += static_cast<std::size_t>(std::countr_zero(mask));
    const std::uint8_t kind = kClass[bytes[at]];
    if (kind == 1) return at;
    std::uint32_t c = 0;
    if (common::decodeUtf8(text, at, c) > 0 && edmDigitSource(c)) return at;
    ++at;
  }
#endif
  for (; at < text.size(); ++at) {
    const std::uint8_t kind = kClass[static_cast<unsigned char>(text[at])];
    if (kind == 0) continue;
    if (kind == 1) return at;
    if (kind == 3 && (at + 1 == text.size() || static_cast<unsigned char>(text[at + 1]) < 0x88 ||
                      static_cast<unsigned char>(text[at + 1]) > 0x8F))
      continue;
    std::uint32_t c = 0;
    if (common::decodeUtf8(text, at, c) > 0 && edmDigitSource(c)) return at;
  }
  return std::string_view::npos;
}

// The first byte at or after from that starts a character isTrigger takes, by the fastest search here.
std::size_t nextTrigger(std::string_view text, std::size_t from) {
  static const Search search = searchKernel();
  return nextTriggerWith(text, from, search);
}

// What the anchored pass looks up first, in every field holding a trigger, and then only in the lines
// within the window of a strong value found first (thenTriggered and thenUntriggered).
struct AnchorPlan {
  std::bitset<kEdmKinds> first;
  // Then: in the fields holding a trigger, and in those holding none.
  std::bitset<kEdmKinds> thenTriggered, thenUntriggered;
  // Every row found has a value of a first kind: of the values found then, only the records of rows
  // found first are kept (Scanner::keepOnly).
  bool keepRowsFoundFirst = false;
};

// A strong value holds a trigger, so every kind can be looked up first in the fields holding one, and
// names and text (untriggeredKinds) then around the strong values found (docs/decisions/0057). But
// when the columns with values of kinds other than phone, e-mail and digits number fewer than
// min_columns, every row the rule can find has a value of one of those three kinds within each window
// it is found by: those kinds are looked up first, and the others (addresses, names, text) only around
// what they find, in every field (docs/decisions/0066). An address of a customer list is shared by
// many rows and is the costly candidate (normalised, hashed, and its rows collected for each line).
// The addresses need not hold a digit then (they are read in every field around the first values, or,
// when the set says each holds a digit, in those holding a trigger); else the set must anchor
// (edmAnchored). Without a plan, every candidate is read.
std::optional<AnchorPlan> anchorPlan(const EdmSet& set) {
  const std::bitset<kEdmKinds> present = kindsOf(set);
  std::bitset<kEdmKinds> selective;
  for (const EdmKind kind : {EdmKind::kPhone, EdmKind::kEmail, EdmKind::kDigits})
    selective.set(static_cast<std::size_t>(kind));
  std::int64_t others = 0;
  for (std::size_t c = 0; c < set.columns.size(); ++c)
    if (set.columns[c] != EdmType::kSkip && set.columnPresent(c) &&
        !selective.test(static_cast<std::size_t>(edmKind(set.columns[c]))))
      ++others;
  if (others < set.minColumns)
    return AnchorPlan{present & selective, present & ~selective, present & ~selective & untriggeredKinds(set),
                      set.rows < kOtherRows};
  if (edmAnchored(set)) return AnchorPlan{present, {}, untriggeredKinds(set)};
  return std::nullopt;
}

// The values of the set found in text: from every candidate, or (EdmPass::kAnchored, a set that
// allows it) from the lines within the set's window of a strong value. A strong value of such a set
// holds a digit or an '@', so it is in a field holding a trigger: those fields are read first, whole,
// and around the strong values found there the other fields of the lines within the window. A row is
// found only by a window of values within set.window bytes of one of its strong values, and whether
// other rows' values lie in between or on their lines is read only there: the rule decides every row
// as it does from every candidate (docs/decisions/0057).
std::vector<Found> foundValues(const EdmSet& set, const FingerprintKey& key, std::string_view text, EdmPass pass) {
  static const Classifier chosen = classifier();
  const auto anchored = pass == EdmPass::kEveryCandidate ? std::nullopt : anchorPlan(set);
  if (!anchored) {
    Scanner scanner(set, key, text, kindsOf(set), kindsOf(set), pass == EdmPass::kEveryCandidate ? nullptr : chosen);
    scanner.scan(0, text.size());
    return scanner.take();
  }
  const AnchorPlan& plan = *anchored;
  // Most texts hold no trigger (prose): nothing else is made for them.
  std::size_t trigger = nextTrigger(text, 0);
  if (trigger == std::string_view::npos) return {};
  Scanner triggered(set, key, text, plan.first, {}, chosen);
  for (std::size_t at = 0; at < text.size(); trigger = std::string_view::npos) {
    if (trigger == std::string_view::npos) trigger = nextTrigger(text, at);
    if (trigger == std::string_view::npos) break;
    // A list's lines all hold one (a customer table: every line): the lines after a line holding a
    // trigger are read as they come, in the same walk, until one holds none; then the search takes
    // over again. A line without a trigger gives no candidate in a triggered-fields read, so the
    // candidates are those of the triggered lines alone, in the same order (docs/decisions/0067).
    at = triggered.scanList(lineStartOf(text, trigger));
  }
  const auto first = triggered.take();
  // The lines to read: those holding an offset within the window of a strong value, merged.
  const auto window = static_cast<std::size_t>(set.window);
  const std::uint64_t strong = strongColumnsOf(set);
  std::vector<std::pair<std::size_t, std::size_t>> lines;
  for (const Found& f : first) {
    if ((strong >> f.column & 1U) == 0) continue;
    if (!lines.empty() && f.offset + window < lines.back().second) continue;  // within those already
    const std::size_t start = lineStartOf(text, f.offset > window ? f.offset - window : 0);
    const std::size_t end = lineEndOf(text, std::min(text.size(), f.offset + window));
    if (!lines.empty() && start <= lines.back().second)
      lines.back().second = std::max(lines.back().second, end);
    else
      lines.emplace_back(start, end);
  }
  // The kinds not looked up yet (names and text in the fields without a trigger, or every kind
  // anchorPlan deferred): not read when there are none.
  Scanner around(set, key, text, plan.thenTriggered, plan.thenUntriggered, chosen);
  if (plan.keepRowsFoundFirst) {
    // A row without a value found first has no value of a first kind in the text: it cannot be found.
    std::vector<std::uint32_t> rows;
    rows.reserve(first.size());
    for (const Found& f : first) rows.push_back(f.row);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    around.keepOnly(std::move(rows));
  }
  if ((plan.thenTriggered | plan.thenUntriggered).any())
    for (const auto& [from, to] : lines) around.scan(from, to);
  auto found = around.take();
  // With the values of the triggered fields on those lines (found in text order).
  auto range = lines.begin();
  for (const Found& f : first) {
    while (range != lines.end() && range->second <= f.offset) ++range;
    if (range == lines.end() || found.size() >= kMaxFound) break;
    if (f.offset >= range->first) found.push_back(f);
  }
  return found;
}

}  // namespace

bool edmDigitSource(char32_t c) {
  if (c < 0xB2 || (c >= 0x3000 && c < 0x3200) || (c >= 0x3400 && c < 0xFF10)) return false;  // most of a text
  // The blocks whose characters have compatibility forms holding digits (the test checks every code
  // point against the normaliser).
  constexpr std::array<std::pair<char32_t, char32_t>, 12> kRanges = {{
      {0x00B2, 0x00B3},    // superscript two, three
      {0x00B9, 0x00B9},    // superscript one
      {0x00BC, 0x00BE},    // fractions
      {0x2070, 0x209F},    // superscripts and subscripts
      {0x2150, 0x218F},    // number forms
      {0x2460, 0x24FF},    // enclosed alphanumerics
      {0x2776, 0x2793},    // dingbat circled digits
      {0x3200, 0x33FF},    // enclosed CJK letters and months, CJK compatibility
      {0xFF10, 0xFF19},    // full-width digits
      {0x1D7CE, 0x1D7FF},  // mathematical digits
      {0x1F100, 0x1F10C},  // digits with a comma or a full stop, circled digits
      {0x1FBF0, 0x1FBF9},  // segmented digits
  }};
  return std::any_of(kRanges.begin(), kRanges.end(), [c](const auto& r) { return c >= r.first && c <= r.second; });
}

bool edmAnchored(const EdmSet& set) {
  for (const EdmType type : set.columns) {
    if (!edmTypeIsStrong(type)) continue;
    switch (edmKind(type)) {
      case EdmKind::kPhone:
      case EdmKind::kDigits:
      case EdmKind::kEmail: continue;
      case EdmKind::kAddress:
        if (set.valuesHoldDigits(EdmKind::kAddress)) continue;
        return false;
      default: return false;
    }
  }
  return true;
}

bool edmReaderRuns(EdmReader reader) {
  switch (reader) {
#if defined(__SSE2__)
    case EdmReader::kSse2:
#endif
    case EdmReader::kCharacters:
    case EdmReader::kBytes:
    case EdmReader::kChosen: return true;
#if defined(__x86_64__)
    case EdmReader::kAvx2: return common::cpuHas(common::CpuFeature::kAvx2);
    case EdmReader::kAvx512:
      return common::cpuHas(common::CpuFeature::kAvx512f) && common::cpuHas(common::CpuFeature::kAvx512bw);
#endif
    default: return false;
  }
}

std::optional<std::size_t> edmNextTrigger(std::string_view text, std::size_t from, EdmReader reader) {
  Search search = Search::kBytes;
  switch (reader) {
    case EdmReader::kCharacters:
    case EdmReader::kBytes: break;
    case EdmReader::kSse2:
#if defined(__SSE2__)
      search = Search::kSse2;
      break;
#else
      return std::nullopt;
#endif
    case EdmReader::kAvx2:
      if (!edmReaderRuns(EdmReader::kAvx2)) return std::nullopt;
      search = Search::kAvx2;
      break;
    case EdmReader::kAvx512:
      if (!edmReaderRuns(EdmReader::kAvx512) || !common::cpuHas(common::CpuFeature::kAvx512vbmi)) return std::nullopt;
      search = Search::kVbmi;
      break;
    case EdmReader::kChosen: search = searchKernel(); break;
  }
  return nextTriggerWith(text, from, search);
}

std::vector<std::array<std::uint32_t, 4>> edmValuesRead(const EdmSet& set, const FingerprintKey& key,
                                                        std::string_view text, EdmFields fields, EdmReader reader) {
  Classifier classify = nullptr;
  switch (reader) {
    case EdmReader::kCharacters: break;
    case EdmReader::kBytes: classify = classifyBytes; break;
#if defined(__SSE2__)
    case EdmReader::kSse2: classify = classifySse2; break;
#endif
#if defined(__x86_64__)
    case EdmReader::kAvx2: classify = classifyAvx2; break;
    case EdmReader::kAvx512: classify = classifyAvx512; break;
#endif
    default: classify = classifier(); break;
  }
  if (!edmReaderRuns(reader)) return {};
  const auto kinds = kindsOf(set);
  Scanner scanner(set, key, text, fields == EdmFields::kUntriggered ? std::bitset<kEdmKinds>{} : kinds,
                  fields == EdmFields::kTriggered ? std::bitset<kEdmKinds>{} : kinds, classify);
  scanner.scan(0, text.size());
  std::vector<std::array<std::uint32_t, 4>> out;
  for (const Found& f : scanner.take()) out.push_back({f.offset, f.line, f.column, f.row});
  std::sort(out.begin(), out.end());
  return out;
}

EdmMatch matchEdm(const EdmSet& set, const FingerprintKey& key, std::string_view text, EdmPass pass) {
  EdmMatch match;
  if (set.index.size() == 0 || text.empty()) return match;
  // Offsets are 32-bit: a text beyond 4 GiB is read up to there (the scanner bounds it far lower).
  if (text.size() > UINT32_MAX) text = text.substr(0, UINT32_MAX);
  const auto all = foundValues(set, key, text, pass);
  // Only a row with values of at least min_columns of its columns, one of them strong, can be found
  // by the window rule below: most values of a file (an address shared by twenty registered rows, a
  // made-up record's one real value) are of rows that cannot, and are dropped here in one pass,
  // before anything is sorted (docs/decisions/0052).
  auto found = rowsThatCanMatch(set, all);
  if (found.empty()) return match;
  // (The reference pass asks all of them.)
  const Interveners interveners(
      pass == EdmPass::kEveryCandidate ? all : neighbours(all, found, static_cast<std::uint32_t>(set.window)));
  // Ordered on everything the rule reads, so the answer does not depend on the order values were found in.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.row != b.row ? a.row < b.row : a.offset != b.offset ? a.offset < b.offset : a.column < b.column;
  });
  std::bitset<kEdmMaxColumns> typesSeen;
  std::array<std::uint32_t, kEdmMaxColumns> inWindow{};
  for (std::size_t begin = 0; begin < found.size();) {
    std::size_t end = begin;
    while (end < found.size() && found[end].row == found[begin].row) ++end;
    const std::uint32_t row = found[begin].row;
    // Slide a window of set.window bytes over this row's values; count distinct columns in it.
    inWindow.fill(0);
    std::size_t distinct = 0, strong = 0;
    bool matched = false;
    std::bitset<kEdmMaxColumns> columnsOfMatch;
    std::size_t tail = begin;
    const auto drop = [&]() {
      const std::uint8_t gone = found[tail++].column;
      if (--inWindow[gone] == 0) {
        --distinct;
        if (edmTypeIsStrong(set.columns[gone])) --strong;
      }
    };
    // The values are from different records (a list pairing names with other people's phones)
    // when another row's value of one of the window's columns lies between its first and last value,
    // or, for values on several lines, when one of those lines holds another row's value.
    const auto mixed = [&](std::size_t head) {
      for (std::size_t c = 0; c < set.columns.size(); ++c)
        if (inWindow[c] > 0 &&
            interveners.between(static_cast<std::uint8_t>(c), found[tail].offset, found[head].offset, row))
          return true;
      if (found[tail].line == found[head].line) return false;
      for (std::size_t k = tail; k <= head; ++k)
        if (interveners.otherOnLine(found[k].line, row)) return true;
      return false;
    };
    for (std::size_t head = begin; head < end; ++head) {
      const std::uint8_t column = found[head].column;
      if (inWindow[column]++ == 0) {
        ++distinct;
        if (edmTypeIsStrong(set.columns[column])) ++strong;
      }
      while (found[head].offset - found[tail].offset > static_cast<std::uint64_t>(set.window)) drop();
      if (static_cast<std::int64_t>(distinct) < set.minColumns || strong == 0) continue;
      while (tail < head && mixed(head)) drop();
      if (static_cast<std::int64_t>(distinct) >= set.minColumns && strong > 0) {
        matched = true;
        for (std::size_t c = 0; c < set.columns.size(); ++c)
          if (inWindow[c] > 0) columnsOfMatch.set(c);
      }
    }
    if (matched) {
      ++match.rows;
      for (std::size_t c = 0; c < set.columns.size(); ++c)
        if (columnsOfMatch.test(c)) typesSeen.set(static_cast<std::size_t>(set.columns[c]));
    }
    begin = end;
  }
  for (std::size_t t = 0; t < kEdmMaxColumns; ++t)
    if (typesSeen.test(t)) match.columnTypes.push_back(static_cast<EdmType>(t));
  return match;
}

}  // namespace mamori::fingerprint
