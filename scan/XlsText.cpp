#include "scan/XlsText.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "scan/LegacyText.h"
#include "scan/TextDecoder.h"

namespace mamori::scan {

namespace {

constexpr std::uint16_t kFormula = 0x0006;
constexpr std::uint16_t kHeader = 0x0014;
constexpr std::uint16_t kFooter = 0x0015;
constexpr std::uint16_t kFilePass = 0x002F;
constexpr std::uint16_t kContinue = 0x003C;
constexpr std::uint16_t kCodePage = 0x0042;
constexpr std::uint16_t kRString = 0x00D6;  // BIFF5 rich-text label
constexpr std::uint16_t kBof = 0x0809;
constexpr std::uint16_t kBiff5 = 0x0500;
constexpr std::uint16_t kBoundSheet = 0x0085;
constexpr std::uint16_t kMulRk = 0x00BD;
constexpr std::uint16_t kSst = 0x00FC;
constexpr std::uint16_t kNumber = 0x0203;
constexpr std::uint16_t kLabel = 0x0204;
constexpr std::uint16_t kString = 0x0207;
constexpr std::uint16_t kRk = 0x027E;
constexpr std::uint16_t kTxo = 0x01B6;
constexpr std::uint16_t kSeriesText =
    0x100D;  // a chart's title, axis and series labels  // the text of a cell comment (NOTE) or a text box on a sheet

struct Record {
  std::uint16_t type;
  std::string_view body;
};

// A record and the CONTINUE records after it, read as one byte sequence. Characters are read with
// readChars, which honours the flag byte that starts every continuation inside a string.
class Segments {
 public:
  explicit Segments(std::vector<std::string_view> parts) : parts_(std::move(parts)) {}

  bool atEnd() {
    skipEmpty();
    return part_ >= parts_.size();
  }
  bool readByte(std::uint8_t& out) {
    skipEmpty();
    if (part_ >= parts_.size()) return false;
    out = static_cast<std::uint8_t>(parts_[part_][at_++]);
    return true;
  }
  bool readU16(std::uint16_t& out) {
    std::uint8_t a = 0, b = 0;
    if (!readByte(a) || !readByte(b)) return false;
    out = static_cast<std::uint16_t>(a | (b << 8U));
    return true;
  }
  bool readU32(std::uint32_t& out) {
    std::uint16_t a = 0, b = 0;
    if (!readU16(a) || !readU16(b)) return false;
    out = a | (static_cast<std::uint32_t>(b) << 16U);
    return true;
  }
  bool skip(std::uint64_t n) {
    while (n > 0) {
      skipEmpty();
      if (part_ >= parts_.size()) return false;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, parts_[part_].size() - at_));
      at_ += take;
      n -= take;
    }
    return true;
  }
  // count characters, 8-bit or UTF-16 as highByte says; at each record boundary a new flag byte says again.
  bool readChars(std::size_t count, bool highByte, std::string& out) {
    while (count > 0) {
      if (part_ >= parts_.size()) return false;
      if (at_ >= parts_[part_].size()) {
        if (part_ + 1 >= parts_.size()) return false;
        ++part_;
        at_ = 0;
        if (parts_[part_].empty()) return false;
        highByte = (static_cast<std::uint8_t>(parts_[part_][at_++]) & 0x01U) != 0;
        continue;
      }
      const std::size_t unit = highByte ? 2 : 1;
      const std::size_t fit = std::min(count, (parts_[part_].size() - at_) / unit);
      if (fit == 0) return false;  // half a character before a boundary: malformed
      const std::string_view chars = parts_[part_].substr(at_, fit * unit);
      if (highByte) {
        appendUtf16Le(out, chars);
      } else {
        appendLatin1(out, chars);
      }
      at_ += fit * unit;
      count -= fit;
    }
    return true;
  }

 private:
  void skipEmpty() {
    while (part_ < parts_.size() && at_ >= parts_[part_].size()) {
      ++part_;
      at_ = 0;
    }
  }
  std::vector<std::string_view> parts_;
  std::size_t part_ = 0;
  std::size_t at_ = 0;
};

// An XLUnicodeRichExtendedString (SST) or, without rich/phonetic flags, an XLUnicodeString.
bool readString(Segments& in, bool shortCount, std::string& out) {
  std::uint16_t cch = 0;
  if (shortCount) {
    std::uint8_t c = 0;
    if (!in.readByte(c)) return false;
    cch = c;
  } else if (!in.readU16(cch)) {
    return false;
  }
  std::uint8_t flags = 0;
  if (!in.readByte(flags)) return false;
  std::uint16_t runs = 0;
  std::uint32_t phonetic = 0;
  if ((flags & 0x08U) != 0 && !in.readU16(runs)) return false;
  if ((flags & 0x04U) != 0 && !in.readU32(phonetic)) return false;
  if (!in.readChars(cch, (flags & 0x01U) != 0, out)) return false;
  return in.skip(std::uint64_t{runs} * 4) && in.skip(phonetic);
}

// An 8-bit string of a BIFF5 workbook (Excel 5/95) in the workbook's code page: CP932 through the
// preloaded converter, Windows-1252 by table, anything else as the text decoder judges it.
std::string narrowString(std::string_view bytes, int codePage) {
  std::string out;
  if (codePage == 932) return transcodeToUtf8(bytes, TextEncoding::kShiftJis);
  if (codePage == 1252 || codePage == 367 || codePage == 0x8000 || codePage == 0) {
    appendCp1252(out, bytes);
    return out;
  }
  const auto decoded = decodeToUtf8(bytes);
  return decoded ? *decoded : std::string(bytes);
}

// A BIFF5 string at offset: a one- or two-byte length, then that many bytes in the code page.
std::string biff5String(std::string_view body, std::size_t offset, bool shortCount, int codePage) {
  const std::size_t head = shortCount ? 1 : 2;
  if (body.size() < offset + head) return {};
  const std::size_t count = shortCount ? static_cast<unsigned char>(body[offset]) : le16(body, offset);
  return narrowString(body.substr(offset + head, count), codePage);
}

double rkValue(std::uint32_t rk) {
  double value = 0;
  if ((rk & 0x02U) != 0) {
    value = static_cast<double>(static_cast<std::int32_t>(rk) >> 2);
  } else {
    const std::uint64_t bits = static_cast<std::uint64_t>(rk & 0xFFFFFFFCU) << 32U;
    std::memcpy(&value, &bits, sizeof value);
  }
  return (rk & 0x01U) != 0 ? value / 100 : value;
}

double f64(std::string_view s, std::size_t at) {
  const std::uint64_t bits = le64(s, at);
  double value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace

std::string excelNumber(double value) {
  if (!std::isfinite(value)) return {};
  char buffer[64];
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.15g", value);
  }
  return buffer;
}

LegacyTextResult xlsText(std::string_view workbook, std::size_t maxText) {
  LegacyTextResult result;
  std::vector<Record> records;
  for (std::size_t at = 0; at + 4 <= workbook.size();) {
    const std::uint16_t type = le16(workbook, at);
    const std::size_t length = le16(workbook, at + 2);
    if (at + 4 + length > workbook.size()) {
      result.problems.push_back("workbook stream cut short in a record at offset " + std::to_string(at));
      break;
    }
    records.push_back({type, workbook.substr(at + 4, length)});
    at += 4 + length;
  }
  std::string& out = result.text;
  const auto full = [&] { return out.size() >= maxText; };
  const auto line = [&](std::string_view s) {
    if (s.empty()) return;
    out.append(s);
    out.push_back('\n');
  };
  // The XLUnicodeString at offset (a one- or two-byte count) as a line.
  const auto stringLine = [&](std::string_view body, std::size_t offset, bool shortCount) {
    if (body.size() <= offset + (shortCount ? 1 : 2)) return;
    Segments in({body.substr(offset)});
    std::string s;
    if (readString(in, shortCount, s)) line(s);
  };
  const bool biff5 =
      !records.empty() && records[0].type == kBof && records[0].body.size() >= 2 && le16(records[0].body, 0) == kBiff5;
  int codePage = 1252;
  for (std::size_t i = 0; i < records.size() && !full(); ++i) {
    const Record& r = records[i];
    const std::string_view b = r.body;
    if (biff5) {
      switch (r.type) {
        case kCodePage:
          if (b.size() >= 2) codePage = le16(b, 0);
          continue;
        case kBoundSheet: line(biff5String(b, 6, true, codePage)); continue;
        case kHeader:
        case kFooter: line(biff5String(b, 0, true, codePage)); continue;
        case kLabel:
        case kRString: line(biff5String(b, 6, false, codePage)); continue;
        case kString: line(biff5String(b, 0, false, codePage)); continue;
        default: break;  // numbers are laid out as in BIFF8
      }
    }
    switch (r.type) {
      case kFilePass: result.encrypted = true; return result;
      case kSst: {
        std::vector<std::string_view> parts{b.size() >= 8 ? b.substr(8) : std::string_view()};
        while (i + 1 < records.size() && records[i + 1].type == kContinue) parts.push_back(records[++i].body);
        const std::uint32_t unique = b.size() >= 8 ? le32(b, 4) : 0;
        Segments in(std::move(parts));
        for (std::uint32_t n = 0; n < unique && !in.atEnd() && !full(); ++n) {
          std::string s;
          if (!readString(in, false, s)) {
            result.problems.push_back("shared-string table cut short at string " + std::to_string(n));
            out.append(s);
            break;
          }
          line(s);
        }
        break;
      }
      case kBoundSheet: stringLine(b, 6, true); break;
      case kLabel: stringLine(b, 6, false); break;
      case kString:
      case kHeader:
      case kFooter: stringLine(b, 0, false); break;
      case kSeriesText: stringLine(b, 2, true); break;
      case kNumber:
        if (b.size() >= 14) line(excelNumber(f64(b, 6)));
        break;
      case kRk:
        if (b.size() >= 10) line(excelNumber(rkValue(le32(b, 6))));
        break;
      case kMulRk:
        for (std::size_t at = 4; at + 6 + 2 <= b.size(); at += 6) line(excelNumber(rkValue(le32(b, at + 2))));
        break;
      case kTxo: {
        // The text is in the CONTINUE records that follow: the first starts with the 8-bit/UTF-16 flag
        // (and so does every later one that carries text); the formatting runs come after it.
        const std::size_t count = b.size() >= 12 ? le16(b, 10) : 0;
        std::vector<std::string_view> parts;
        while (i + 1 < records.size() && records[i + 1].type == kContinue) parts.push_back(records[++i].body);
        if (count == 0 || parts.empty() || parts[0].empty()) break;
        const bool highByte = (static_cast<std::uint8_t>(parts[0][0]) & 0x01U) != 0;
        parts[0].remove_prefix(1);
        Segments in(std::move(parts));
        std::string s;
        (void)in.readChars(count, highByte, s);  // cut short: what was read
        line(s);
        break;
      }
      case kFormula:
        // A number result, unless its last two bytes are 0xFFFF (a string, boolean or error: a STRING record follows).
        if (b.size() >= 14 && le16(b, 12) != 0xFFFF) line(excelNumber(f64(b, 6)));
        break;
      default: break;
    }
  }
  if (full()) {
    cutUtf8(out, maxText);
    result.problems.push_back("text cut at " + std::to_string(maxText) + " bytes");
  }
  return result;
}

}  // namespace mamori::scan
