#include "scan/DocText.h"

#include <cstdint>
#include <vector>

#include "common/Utf8.h"
#include "scan/LegacyText.h"

namespace mamori::scan {

namespace {

constexpr std::uint16_t kWordIdent = 0xA5EC;
constexpr std::size_t kFibBaseBytes = 32;
constexpr std::size_t kClxPairIndex = 33;  // fcClx/lcbClx in FibRgFcLcb97
constexpr std::size_t kMaxFieldNesting = 64;

constexpr std::size_t kMaxInstructionBytes = 4096;

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string eqFieldText(std::string_view instruction) {
  std::size_t at = 0;
  while (at < instruction.size() && isBlank(instruction[at])) ++at;
  if (instruction.size() < at + 3 || (instruction[at] != 'E' && instruction[at] != 'e') ||
      (instruction[at + 1] != 'Q' && instruction[at + 1] != 'q') ||
      (!isBlank(instruction[at + 2]) && instruction[at + 2] != '\\')) {
    return {};
  }
  // The overstrike: "\o", its alignment switches ("\ad", "\al", ...), then its arguments in parentheses.
  std::size_t overstrike = std::string_view::npos;
  for (std::size_t i = at + 2; i + 1 < instruction.size(); ++i) {
    if (instruction[i] == '\\' && (instruction[i + 1] == 'o' || instruction[i + 1] == 'O') &&
        (i + 2 >= instruction.size() || instruction[i + 2] == '\\' || instruction[i + 2] == '(' ||
         isBlank(instruction[i + 2]))) {
      overstrike = i;
      break;
    }
  }
  if (overstrike == std::string_view::npos) return {};
  const std::size_t open = instruction.find('(', overstrike);
  if (open == std::string_view::npos) return {};
  std::size_t depth = 1;
  std::size_t lastArgument = open + 1;
  std::size_t end = instruction.size();
  for (std::size_t i = open + 1; i < instruction.size(); ++i) {
    const char c = instruction[i];
    if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      end = i;
      break;
    } else if ((c == ',' || c == ';') && depth == 1) {
      lastArgument = i + 1;
    }
  }
  // The base as written, less any switches and parentheses inside it.
  std::string base;
  for (std::size_t i = lastArgument; i < end; ++i) {
    const char c = instruction[i];
    if (c == '\\') {
      while (i + 1 < end && ((instruction[i + 1] >= 'a' && instruction[i + 1] <= 'z') ||
                             (instruction[i + 1] >= 'A' && instruction[i + 1] <= 'Z')))
        ++i;
      continue;
    }
    if (c != '(' && c != ')') base.push_back(c);
  }
  return base;
}

namespace {

// Appends one character of the text stream as a reader sees it; fieldDepth/inInstruction track fields.
class WordTextSink {
 public:
  explicit WordTextSink(std::string& out) : out_(out) {}

  void put(std::uint32_t c) {
    switch (c) {
      case 0x13:  // field begin: the instruction follows
        if (fields_.size() < kMaxFieldNesting) {
          if (inInstruction_ == 0) instruction_.clear();
          fields_.push_back(true), ++inInstruction_;
        }
        return;
      case 0x14:  // field separator: the result follows
        if (!fields_.empty() && fields_.back()) fields_.back() = false, endInstruction();
        return;
      case 0x15:  // field end
        if (!fields_.empty()) {
          if (fields_.back()) endInstruction();
          fields_.pop_back();
        }
        return;
      default: break;
    }
    if (inInstruction_ > 0) {
      if (instruction_.size() < kMaxInstructionBytes && c >= 0x20) common::appendUtf8(instruction_, c);
      return;
    }
    switch (c) {
      case 0x0D:
      case 0x0B:
      case 0x0C: out_.push_back('\n'); return;
      case 0x07:  // a table cell's end
      case 0x09: out_.push_back('\t'); return;
      case 0x1E: out_.push_back('-'); return;  // non-breaking hyphen
      case 0x1F: return;                       // optional hyphen
      default: break;
    }
    if (c < 0x20) return;  // anchors of pictures, footnote references, objects
    common::appendUtf8(out_, c);
  }

 private:
  // An outermost instruction has ended: an EQ field's base text is what a reader sees of it.
  void endInstruction() {
    if (--inInstruction_ == 0) out_ += eqFieldText(instruction_);
  }

  std::string& out_;
  std::string instruction_;   // the outermost field's instruction, up to kMaxInstructionBytes
  std::vector<bool> fields_;  // one per open field: true while in its instruction
  std::size_t inInstruction_ = 0;
};

}  // namespace

std::string docTableStreamName(std::string_view doc) {
  if (doc.size() < kFibBaseBytes || le16(doc, 0) != kWordIdent) return {};
  return (le16(doc, 0x0A) & 0x0200U) != 0 ? "1Table" : "0Table";
}

LegacyTextResult docText(std::string_view doc, std::string_view table, std::size_t maxText) {
  LegacyTextResult result;
  if (doc.size() < kFibBaseBytes + 2 || le16(doc, 0) != kWordIdent) {
    result.problems.push_back("not a Word 97-2003 document (no FIB)");
    return result;
  }
  if ((le16(doc, 0x0A) & 0x0100U) != 0) {  // fEncrypted (or obfuscated)
    result.encrypted = true;
    return result;
  }
  // FibBase, csw + FibRgW, cslw + FibRgLw, cbRgFcLcb + FibRgFcLcb.
  std::size_t at = kFibBaseBytes;
  const std::size_t csw = le16(doc, at);
  at += 2 + csw * 2;
  if (at + 2 > doc.size()) return result.problems.push_back("FIB cut short"), result;
  const std::size_t cslw = le16(doc, at);
  at += 2 + cslw * 4;
  if (at + 2 > doc.size()) return result.problems.push_back("FIB cut short"), result;
  const std::size_t pairs = le16(doc, at);
  at += 2;
  if (pairs <= kClxPairIndex || at + (kClxPairIndex + 1) * 8 > doc.size()) {
    result.problems.push_back("FIB has no piece table (Word 6/95 documents are not read)");
    return result;
  }
  const std::uint32_t fcClx = le32(doc, at + kClxPairIndex * 8);
  const std::uint32_t lcbClx = le32(doc, at + kClxPairIndex * 8 + 4);
  if (fcClx > table.size() || lcbClx > table.size() - fcClx) {
    result.problems.push_back("piece table lies outside the table stream");
    return result;
  }
  const std::string_view clx = table.substr(fcClx, lcbClx);
  // Prc entries (0x01, cbGrpprl, grpprl) come first, then one Pcdt (0x02, lcb, PlcPcd).
  std::size_t c = 0;
  while (c < clx.size() && clx[c] == '\x01') {
    if (c + 3 > clx.size()) break;
    c += 3 + le16(clx, c + 1);
  }
  if (c + 5 > clx.size() || clx[c] != '\x02') {
    result.problems.push_back("piece table (Pcdt) not found in the CLX");
    return result;
  }
  const std::uint32_t lcb = le32(clx, c + 1);
  const std::string_view plc = clx.substr(c + 5, std::min<std::size_t>(lcb, clx.size() - c - 5));
  if (plc.size() < 4 || (plc.size() - 4) % 12 != 0) {
    result.problems.push_back("piece table has a size that is not 4 + 12n");
    return result;
  }
  const std::size_t pieces = (plc.size() - 4) / 12;
  const std::size_t pcdBase = (pieces + 1) * 4;
  std::string& out = result.text;
  WordTextSink sink(out);
  for (std::size_t i = 0; i < pieces && out.size() < maxText; ++i) {
    const std::uint32_t cpStart = le32(plc, i * 4);
    const std::uint32_t cpEnd = le32(plc, (i + 1) * 4);
    if (cpEnd <= cpStart) continue;
    const std::uint32_t fcValue = le32(plc, pcdBase + i * 8 + 2);
    const bool compressed = (fcValue & 0x40000000U) != 0;
    const std::uint64_t chars = cpEnd - cpStart;
    const std::uint64_t offset = compressed ? (fcValue & 0x3FFFFFFFU) / 2 : (fcValue & 0x3FFFFFFFU);
    const std::uint64_t bytes = chars * (compressed ? 1 : 2);
    if (offset > doc.size() || bytes > doc.size() - offset) {
      result.problems.push_back("piece " + std::to_string(i) + " lies outside the WordDocument stream");
      continue;
    }
    const std::string_view data = doc.substr(offset, bytes);
    if (compressed) {
      for (std::size_t k = 0; k < chars && out.size() < maxText; ++k) {
        sink.put(cp1252ToUnicode(static_cast<unsigned char>(data[k])));
      }
    } else {
      for (std::size_t unit = 0; unit < chars && out.size() < maxText;) sink.put(utf16LeAt(data, unit));
    }
  }
  if (out.size() >= maxText) {
    cutUtf8(out, maxText);
    result.problems.push_back("text cut at " + std::to_string(maxText) + " bytes");
  }
  return result;
}

}  // namespace mamori::scan
