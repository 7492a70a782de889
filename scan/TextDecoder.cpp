#include "scan/TextDecoder.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/Utf8.h"

namespace mamori::scan {

namespace {

// Detection looks at the head of the data only: enough to decide, cheap for large files.
constexpr std::size_t kSniffBytes = std::size_t{64} * 1024;

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvPtr = std::unique_ptr<void, IconvCloser>;

struct Structure {
  std::size_t valid = 0;    // multi-byte characters well formed in the encoding
  std::size_t invalid = 0;  // bytes that cannot start or continue one
};

bool in(unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; }

Structure shiftJisStructure(std::string_view s) {
  Structure r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 || in(c, 0xA1, 0xDF)) continue;  // ASCII, half-width katakana
    if ((in(c, 0x81, 0x9F) || in(c, 0xE0, 0xFC)) && i + 1 < s.size()) {
      const auto t = static_cast<unsigned char>(s[i + 1]);
      if (in(t, 0x40, 0x7E) || in(t, 0x80, 0xFC)) {
        ++r.valid;
        ++i;
        continue;
      }
    }
    if (i + 1 == s.size()) continue;  // a character cut by the sniff window
    ++r.invalid;
  }
  return r;
}

Structure eucJpStructure(std::string_view s) {
  Structure r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) continue;
    if (i + 1 < s.size()) {
      const auto t = static_cast<unsigned char>(s[i + 1]);
      if ((in(c, 0xA1, 0xFE) || c == 0x8E) && in(t, 0xA1, 0xFE)) {
        ++r.valid;
        ++i;
        continue;
      }
    }
    if (i + 1 == s.size()) continue;
    ++r.invalid;
  }
  return r;
}

// Control bytes other than tab, CR, LF, FF, ESC mean binary data.
std::size_t controlBytes(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B;
  }));
}

// A UTF-16 code unit that appears in Japanese or Western text.
bool plausibleUnit(unsigned u) {
  return (u >= 0x20 && u < 0x7F) || u == '\t' || u == '\n' || u == '\r' || (u >= 0xA0 && u < 0x250) ||
         (u >= 0x2000 && u < 0x2070) || (u >= 0x3000 && u < 0x3100) || (u >= 0x4E00 && u < 0xA000) ||
         (u >= 0xFF00 && u < 0xFFF0) || (u >= 0xD800 && u < 0xE000);
}

double utf16Plausibility(std::string_view s, bool littleEndian) {
  const std::size_t units = s.size() / 2;
  if (units == 0) return 0;
  std::size_t good = 0;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    const auto a = static_cast<unsigned char>(s[i]);
    const auto b = static_cast<unsigned char>(s[i + 1]);
    const unsigned u = littleEndian ? (a | (b << 8U)) : ((a << 8U) | b);
    if (plausibleUnit(u)) ++good;
  }
  return static_cast<double>(good) / static_cast<double>(units);
}

// 7-bit text that switches to JIS X 0208 with ESC $ B (or ESC $ @) and back with ESC ( B / ESC ( J.
bool looksLikeIso2022Jp(std::string_view head) {
  const std::size_t escape = head.find("\x1B$");
  if (escape == std::string_view::npos || escape + 2 >= head.size()) return false;
  if (head[escape + 2] != 'B' && head[escape + 2] != '@') return false;
  return std::none_of(head.begin(), head.end(),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80 || c == '\0'; });
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

TextEncoding encodingForCharset(std::string_view charset) {
  const std::string name = lowerAscii(charset);
  if (name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii") return TextEncoding::kUtf8;
  if (name.rfind("iso-2022-jp", 0) == 0 || name == "csiso2022jp") return TextEncoding::kIso2022Jp;
  if (name == "shift_jis" || name == "shift-jis" || name == "sjis" || name == "x-sjis" || name == "cp932" ||
      name == "windows-31j" || name == "ms932" || name == "ms_kanji" || name == "csshiftjis")
    return TextEncoding::kShiftJis;
  if (name == "euc-jp" || name == "eucjp" || name == "x-euc-jp" || name == "cseucpkdfmtjapanese")
    return TextEncoding::kEucJp;
  if (name == "utf-16le") return TextEncoding::kUtf16Le;
  if (name == "utf-16be" || name == "utf-16") return TextEncoding::kUtf16Be;  // RFC 2781: big-endian without a BOM
  return TextEncoding::kUnknown;
}

const char* encodingName(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8: return "UTF-8";
    case TextEncoding::kUtf16Le: return "UTF-16LE";
    case TextEncoding::kUtf16Be: return "UTF-16BE";
    case TextEncoding::kShiftJis: return "CP932";
    case TextEncoding::kEucJp: return "EUC-JP";
    // The superset: JIS X 0212 and the ISO-8859 designations that some mailers emit under the same label.
    case TextEncoding::kIso2022Jp: return "ISO-2022-JP-2";
    case TextEncoding::kUnknown: break;
  }
  return "unknown";
}

TextEncoding detectEncoding(std::string_view data) {
  const std::string_view head = data.substr(0, kSniffBytes);
  if (head.size() >= 2) {
    if (head[0] == '\xFF' && head[1] == '\xFE') return TextEncoding::kUtf16Le;
    if (head[0] == '\xFE' && head[1] == '\xFF') return TextEncoding::kUtf16Be;
  }
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") return TextEncoding::kUtf8;
  if (looksLikeIso2022Jp(head)) return TextEncoding::kIso2022Jp;
  const bool hasNul = head.find('\0') != std::string_view::npos;  // memchr: most files have none
  if (head.size() >= 4 && hasNul) {
    // ASCII-heavy UTF-16 without a BOM: every other byte is NUL.
    std::size_t evenNul = 0;
    std::size_t oddNul = 0;
    for (std::size_t i = 0; i + 1 < head.size(); i += 2) {
      if (head[i] == '\0') ++evenNul;
      if (head[i + 1] == '\0') ++oddNul;
    }
    const std::size_t units = head.size() / 2;
    if (oddNul * 10 > units * 3 && evenNul * 20 < units) return TextEncoding::kUtf16Le;
    if (evenNul * 10 > units * 3 && oddNul * 20 < units) return TextEncoding::kUtf16Be;
  }
  if (!hasNul) {
    // A cut at the sniff window may split a UTF-8 character: trim up to 3 trailing continuation bytes.
    std::string_view probe = head;
    if (head.size() < data.size()) {
      std::size_t back = 0;
      while (back < 3 && back < probe.size() &&
             (static_cast<unsigned char>(probe[probe.size() - 1 - back]) & 0xC0U) == 0x80U) {
        ++back;
      }
      if (back < probe.size() && static_cast<unsigned char>(probe[probe.size() - 1 - back]) >= 0xC0U) ++back;
      probe.remove_suffix(back);
    }
    if (common::isValidUtf8(probe)) return TextEncoding::kUtf8;
    if (controlBytes(head) * 100 < head.size()) {
      const Structure sjis = shiftJisStructure(head);
      const Structure euc = eucJpStructure(head);
      const bool sjisOk = sjis.valid > 0 && sjis.invalid * 50 <= sjis.valid;
      const bool eucOk = euc.valid > 0 && euc.invalid * 50 <= euc.valid;
      // Kana and most kanji in Shift_JIS use lead bytes 0x81-0x9F, which EUC-JP never uses as a
      // lead: when both parse, fewer invalid bytes wins, ties go to EUC-JP (its bytes are all >= 0xA1).
      if (sjisOk && eucOk) return euc.invalid <= sjis.invalid ? TextEncoding::kEucJp : TextEncoding::kShiftJis;
      if (sjisOk) return TextEncoding::kShiftJis;
      if (eucOk) return TextEncoding::kEucJp;
    }
  }
  // Japanese UTF-16 without a BOM has few NULs: judge by what the code units would be.
  if (head.size() >= 16 && head.size() % 2 == 0) {
    if (utf16Plausibility(head, true) > 0.95) return TextEncoding::kUtf16Le;
    if (utf16Plausibility(head, false) > 0.95) return TextEncoding::kUtf16Be;
  }
  return TextEncoding::kUnknown;
}

std::string transcodeToUtf8(std::string_view data, TextEncoding from) {
  if (from == TextEncoding::kUtf8 || from == TextEncoding::kUnknown) return std::string(data);
  iconv_t raw = iconv_open("UTF-8", encodingName(from));
  if (raw == reinterpret_cast<iconv_t>(-1)) return {};  // NOLINT: iconv's failure value
  const IconvPtr cd(raw);
  const std::size_t unit = (from == TextEncoding::kUtf16Le || from == TextEncoding::kUtf16Be) ? 2 : 1;
  std::string out;
  out.resize(data.size() * 2 + 16);
  char* in = const_cast<char*>(data.data());  // NOLINT: iconv's API is not const
  std::size_t inLeft = data.size();
  std::size_t used = 0;
  while (inLeft > 0) {
    char* outPtr = out.data() + used;
    std::size_t outLeft = out.size() - used;
    const std::size_t rc = iconv(static_cast<iconv_t>(cd.get()), &in, &inLeft, &outPtr, &outLeft);
    used = out.size() - outLeft;
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    // EILSEQ or EINVAL (truncated tail): mark it and step over one code unit.
    if (out.size() - used < 3) out.resize(out.size() * 2);
    out.replace(used, 3, "\xEF\xBF\xBD");
    used += 3;
    const std::size_t skip = std::min(unit, inLeft);
    in += skip;
    inLeft -= skip;
    iconv(static_cast<iconv_t>(cd.get()), nullptr, nullptr, nullptr, nullptr);
  }
  out.resize(used);
  // A UTF-16 BOM becomes U+FEFF: drop it so rules anchored at the start still match.
  if (out.size() >= 3 && out.compare(0, 3, "\xEF\xBB\xBF") == 0) out.erase(0, 3);
  return out;
}

bool preloadConverters() {
  bool all = true;
  for (const TextEncoding from : {TextEncoding::kUtf16Le, TextEncoding::kUtf16Be, TextEncoding::kShiftJis,
                                  TextEncoding::kEucJp, TextEncoding::kIso2022Jp}) {
    // Never closed on purpose: an open descriptor keeps glibc from unloading the module.
    const iconv_t cd = iconv_open("UTF-8", encodingName(from));
    if (cd == reinterpret_cast<iconv_t>(-1)) all = false;  // NOLINT: iconv's failure value
  }
  return all;
}

std::string utf16leRuns(std::string_view data, std::size_t minChars) {
  std::string out;
  // Both alignments: a run may start at an odd offset inside a record.
  for (std::size_t start = 0; start < 2; ++start) {
    std::size_t runStart = start;
    std::size_t chars = 0;
    auto flush = [&](std::size_t end) {
      if (chars >= minChars) {
        out += transcodeToUtf8(data.substr(runStart, end - runStart), TextEncoding::kUtf16Le);
        out.push_back('\n');
      }
      chars = 0;
      runStart = end + 2;
    };
    std::size_t i = start;
    for (; i + 1 < data.size(); i += 2) {
      const unsigned u =
          static_cast<unsigned char>(data[i]) | (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8U);
      // Surrogates are left out: emoji are not what markings and numbers are made of.
      if (plausibleUnit(u) && (u < 0xD800 || u >= 0xE000)) {
        ++chars;
      } else {
        flush(i);
      }
    }
    flush(i);
  }
  return out;
}

std::optional<std::string> decodeToUtf8(std::string_view data) {
  const TextEncoding encoding = detectEncoding(data);
  if (encoding == TextEncoding::kUtf8 || encoding == TextEncoding::kUnknown) return std::nullopt;
  return transcodeToUtf8(data, encoding);
}

}  // namespace mamori::scan
