#include "scan/RtfText.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "common/Utf8.h"
#include "scan/DocText.h"
#include "scan/LegacyText.h"
#include "scan/TextDecoder.h"

namespace mamori::scan {

namespace {

constexpr std::size_t kMaxDepth = 512;
constexpr int kDefaultCodePage = 1252;

// \fcharsetN to the Windows code page that RTF writers use for it.
int codePageOfCharset(int charset, int documentCodePage) {
  switch (charset) {
    case 0: return 1252;
    case 128: return 932;  // SHIFTJIS_CHARSET
    case 129: return 949;
    case 134: return 936;
    case 136: return 950;
    case 161: return 1253;
    case 162: return 1254;
    case 177: return 1255;
    case 178: return 1256;
    case 186: return 1257;
    case 204: return 1251;
    case 222: return 874;
    case 238: return 1250;
    default: return documentCodePage;  // 1 = default, 2 = symbol, others: as the document says
  }
}

// Destinations whose content is not text a reader sees (tables, binary data, instructions).
bool skippedDestination(std::string_view word) {
  static constexpr std::string_view kSkipped[] = {
      "fonttbl",      "colortbl",          "stylesheet", "pict",         "object",
      "objdata",      "themedata",         "datastore",  "latentstyles", "xmlnstbl",
      "listtable",    "listoverridetable", "rsidtbl",    "generator",    "colorschememapping",
      "pgdsctbl",     "bkmkstart",         "bkmkend",    "filetbl",      "revtbl",
      "passwordhash", "blipuid",           "nonshppict", "mmathPr",      "wgrffmtfilter",
      "xmlopen",      "listtext"};
  for (const auto skipped : kSkipped) {
    if (word == skipped) return true;
  }
  return false;
}

// Destinations a writer may mark ignorable (\*) that still hold text a reader sees: LibreOffice writes
// {\*\footnote ...} and {\*\annotation ...}; a drawing object (text box, shape) is {\shp{\*\shpinst
// ... {\sp{\sn name}{\sv value}} ... {\shptxt text}}{\shprslt fallback}}: its text is read, its
// properties are not (but WordArt's text, the gtextUNICODE property). The fallback drawing (\shprslt,
// for readers without shapes) is read too, and its text dropped when the shape's held it, so a text
// box counts once while text only the fallback holds is still scanned.
bool keptStarredDestination(std::string_view word) {
  return word == "footnote" || word == "annotation" || word.rfind("header", 0) == 0 || word.rfind("footer", 0) == 0 ||
         word == "shpinst";
}

constexpr std::size_t kMaxPropertyName = 32;
constexpr std::size_t kMaxInstructionBytes = 4096;
constexpr std::size_t kMaxObjects = 64;

struct Group {
  bool skip = false;  // inside a destination without readable text
  bool fontTable = false;
  bool instruction = false;   // a field's instruction ({\*\fldinst ...}), kept in Reader::instruction_
  bool propertyName = false;  // a shape property's name ({\sn ...}), kept in Reader::propertyName_
  bool objectData = false;    // an embedded object's data ({\*\objdata hex}), kept in Reader::object_
  int ucSkip = 1;             // fallback characters after \uN
  int codePage = kDefaultCodePage;
};

class Reader {
 public:
  Reader(std::string_view data, std::size_t maxText) : data_(data), maxText_(maxText) {}

  RtfTextResult run() {
    stack_.push_back(Group{});
    while (pos_ < data_.size() && !full_) step();
    flushBytes();
    if (full_) result_.problems.push_back("RTF text cut at " + std::to_string(maxText_) + " bytes");
    if (overflowedDepth_) result_.problems.push_back("RTF groups nested deeper than 512 were read flat");
    if (objectsCut_) result_.problems.push_back("RTF embedded objects past the extraction budget not read");
    return std::move(result_);
  }

 private:
  Group& group() { return stack_.back(); }

  void step() {
    const char c = data_[pos_++];
    switch (c) {
      case '{':
        flushBytes();
        if (stack_.size() < kMaxDepth) {
          stack_.push_back(group());
        } else {
          overflowedDepth_ = true;
          ++flatDepth_;
        }
        pendingSkip_ = 0;
        return;
      case '}':
        flushBytes();
        if (flatDepth_ > 0) {
          --flatDepth_;
        } else if (stack_.size() > 1) {
          const bool instruction = group().instruction;
          const bool objectData = group().objectData;
          endShapeGroup();
          stack_.pop_back();
          if (objectData && !group().objectData) endObject();
          // A field's instruction is not text, but for an EQ field's base text (ruby: no result).
          if (instruction && !group().instruction && !group().skip) append(eqFieldText(instruction_));
        }
        pendingSkip_ = 0;
        return;
      case '\\': controlSequence(); return;
      case '\r':
      case '\n': return;
      default: character(static_cast<unsigned char>(c));
    }
  }

  void controlSequence() {
    if (pos_ >= data_.size()) return;
    const char c = data_[pos_];
    if (c == '\'') {  // \'hh: one byte in the current code page
      ++pos_;
      if (pos_ + 2 > data_.size()) {  // cut off inside the escape: nothing more to read
        pos_ = data_.size();
        return;
      }
      const int value = hexByte(data_.substr(pos_, 2));
      if (value < 0) return;  // not hex: what follows is read as text
      pos_ += 2;
      if (consumeFallback()) return;
      if (!group().skip) bytes_.push_back(static_cast<char>(value));
      return;
    }
    if (!isLetter(c)) {
      ++pos_;
      if (c == '\\' || c == '{' || c == '}') {  // may be the trail byte of a double-byte character
        character(static_cast<unsigned char>(c));
        return;
      }
      flushBytes();
      switch (c) {
        case '~': emit(0x00A0); return;
        case '_': emit('-'); return;
        case '*': starred_ = true; return;  // the next control word names an ignorable destination
        case '\n':
        case '\r': emit('\n'); return;
        default: return;  // \- optional hyphen, \: index subentry, ...
      }
    }
    const std::size_t start = pos_;
    while (pos_ < data_.size() && pos_ - start < 32 && isLetter(data_[pos_])) ++pos_;
    const std::string_view word = data_.substr(start, pos_ - start);
    bool hasNumber = false;
    long number = 0;
    bool negative = false;
    if (pos_ < data_.size() && data_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    for (int digits = 0; pos_ < data_.size() && digits < 10 && data_[pos_] >= '0' && data_[pos_] <= '9'; ++digits) {
      number = number * 10 + (data_[pos_++] - '0');
      hasNumber = true;
    }
    if (negative) number = -number;
    if (pos_ < data_.size() && data_[pos_] == ' ') ++pos_;  // the delimiter belongs to the word
    controlWord(word, hasNumber, number);
  }

  void controlWord(std::string_view word, bool hasNumber, long number) {
    const bool starred = starred_;
    starred_ = false;
    if (word == "bin" && hasNumber && number > 0) {  // raw binary data follows: never text
      const std::size_t end = std::min(data_.size(), pos_ + static_cast<std::size_t>(number));
      if (group().objectData) objectBytes(data_.substr(pos_, end - pos_));
      pos_ = end;
      return;
    }
    if (word == "u" && hasNumber) {
      flushBytes();
      if (!group().skip) unicode(static_cast<std::uint32_t>(number < 0 ? number + 65536 : number) & 0xFFFFU);
      pendingSkip_ = group().ucSkip;
      return;
    }
    if (pendingSkip_ > 0) pendingSkip_ = 0;  // a control word ends a fallback run
    if (word == "fldinst") {
      flushBytes();
      if (!group().instruction) instruction_.clear();
      group().instruction = true;
      return;
    }
    if (word == "shpinst" || word == "shprslt") {
      flushBytes();
      (word == "shpinst" ? shape_ : shapeResult_) = {stack_.size(), result_.text.size()};
    }
    if ((starred && !keptStarredDestination(word)) || skippedDestination(word)) {
      flushBytes();
      if (word == "fonttbl") {
        group().fontTable = true;
      }
      if (word == "objdata" && !group().objectData) {
        group().objectData = true;
        object_.clear();
        nibble_ = -1;
      }
      group().skip = true;
      return;
    }
    if (word == "sn") {
      flushBytes();
      group().skip = true;
      group().propertyName = true;
      propertyName_.clear();
      return;
    }
    if (word == "sv") {
      flushBytes();
      if (propertyName_ != "gtextUNICODE") group().skip = true;
      return;
    }
    if (word == "uc" && hasNumber) {
      group().ucSkip = static_cast<int>(std::clamp(number, 0L, 8L));
    } else if (word == "ansicpg" && hasNumber) {
      documentCodePage_ = static_cast<int>(number);
      for (auto& g : stack_) g.codePage = documentCodePage_;
    } else if (word == "f" && hasNumber) {
      flushBytes();
      if (group().fontTable) {
        definingFont_ = number;
      } else if (const auto it = fontCodePages_.find(number); it != fontCodePages_.end()) {
        group().codePage = it->second;
      } else {
        group().codePage = documentCodePage_;
      }
    } else if (word == "fcharset" && hasNumber) {
      fontCodePages_[definingFont_] = codePageOfCharset(static_cast<int>(number), documentCodePage_);
    } else if (word == "par" || word == "line" || word == "sect" || word == "page" || word == "row") {
      flushBytes();
      emit('\n');
    } else if (word == "tab" || word == "cell") {
      flushBytes();
      emit('\t');
    } else if (word == "emdash") {
      emit(0x2014);
    } else if (word == "endash") {
      emit(0x2013);
    } else if (word == "lquote") {
      emit(0x2018);
    } else if (word == "rquote") {
      emit(0x2019);
    } else if (word == "ldblquote") {
      emit(0x201C);
    } else if (word == "rdblquote") {
      emit(0x201D);
    } else if (word == "bullet") {
      emit(0x2022);
    }
  }

  void character(unsigned char c) {
    if (group().objectData) {
      objectHex(c);
      return;
    }
    if (consumeFallback()) return;
    if (group().propertyName) {
      if (propertyName_.size() < kMaxPropertyName) propertyName_.push_back(static_cast<char>(c));
      return;
    }
    if (group().skip) return;
    // An 8-bit byte written raw is the same as \'hh; so is an ASCII byte that completes a
    // double-byte character (Word writes 外, 8A 4F, as \'8aO).
    if (c >= 0x80 || awaitingTrailByte()) {
      bytes_.push_back(static_cast<char>(c));
      return;
    }
    flushBytes();
    emit(c);
  }

  // An object's data: hex digits (white space and anything else between them ignored), bounded by
  // what is left of maxText over every object.
  void objectHex(unsigned char c) {
    const int value = hexByte(std::string_view(reinterpret_cast<const char*>(&c), 1));  // one digit
    if (value < 0) return;
    if (nibble_ < 0) {
      nibble_ = value;
      return;
    }
    const char byte = static_cast<char>((nibble_ << 4) | value);
    nibble_ = -1;
    objectBytes(std::string_view(&byte, 1));
  }

  void objectBytes(std::string_view bytes) {
    if (objectBytes_ + bytes.size() > maxText_ || result_.objects.size() >= kMaxObjects) {
      objectsCut_ = true;
      return;
    }
    objectBytes_ += bytes.size();
    object_.append(bytes);
  }

  void endObject() {
    if (!object_.empty() && result_.objects.size() < kMaxObjects) result_.objects.push_back(std::move(object_));
    object_.clear();
  }

  // True when the pending bytes end with a Shift_JIS lead byte.
  bool awaitingTrailByte() {
    if (bytes_.empty() || group().codePage != 932) return false;
    std::size_t i = 0;
    while (i < bytes_.size()) {
      const auto b = static_cast<unsigned char>(bytes_[i]);
      const bool lead = (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
      if (lead && i + 1 == bytes_.size()) return true;
      i += lead ? 2 : 1;
    }
    return false;
  }

  // After \uN the next ucSkip characters are the fallback for readers without Unicode.
  bool consumeFallback() {
    if (pendingSkip_ == 0) return false;
    --pendingSkip_;
    return true;
  }

  void unicode(std::uint32_t unit) {
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      highSurrogate_ = unit;
      return;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF && highSurrogate_ != 0) {
      emit(0x10000 + ((highSurrogate_ - 0xD800) << 10U) + (unit - 0xDC00));
      highSurrogate_ = 0;
      return;
    }
    highSurrogate_ = 0;
    emit(unit);
  }

  // At the end of a group: a shape's text is remembered; a shape's fallback (\shprslt) whose text
  // the shape's held is dropped.
  void endShapeGroup() {
    if (shape_.depth == stack_.size()) {
      shapeText_ = {shape_.from, result_.text.size()};
      shape_ = {};
    }
    if (shapeResult_.depth == stack_.size()) {
      const std::string_view text(result_.text);
      const std::string_view fallback = text.substr(shapeResult_.from);
      if (text.substr(shapeText_.first, shapeText_.second - shapeText_.first).find(fallback) != std::string_view::npos)
        result_.text.resize(shapeResult_.from);
      shapeResult_ = {};
    }
  }

  void flushBytes() {
    if (bytes_.empty()) return;
    const int codePage = group().codePage;
    std::string decoded;
    if (codePage == 932) {
      decoded = transcodeToUtf8(bytes_, TextEncoding::kShiftJis);
    } else if (codePage == 65001 && common::isValidUtf8(bytes_)) {
      decoded = bytes_;
    } else {
      for (const char byte : bytes_) decoded += singleByte(static_cast<unsigned char>(byte), codePage);
    }
    bytes_.clear();
    append(decoded);
  }

  static std::string singleByte(unsigned char byte, int codePage) {
    std::string out;
    std::uint32_t cp = 0xFFFD;  // a code page this reader does not know: shown as unknown
    if (byte < 0x80) {
      cp = byte;
    } else if (codePage == 1252 || codePage == 28591) {
      cp = cp1252ToUnicode(byte);
    }
    common::appendUtf8(out, cp);
    return out;
  }

  void emit(std::uint32_t cp) {
    std::string out;
    common::appendUtf8(out, cp);
    append(out);
  }

  void append(std::string_view text) {
    if (group().instruction) {
      if (instruction_.size() + text.size() <= kMaxInstructionBytes) instruction_.append(text);
      return;
    }
    if (full_) return;
    if (result_.text.size() + text.size() > maxText_) {
      full_ = true;
      return;
    }
    result_.text.append(text);
  }

  static bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  static int hexByte(std::string_view two) {
    int value = 0;
    for (const char c : two) {
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        return -1;
      }
    }
    return value;
  }

  std::string_view data_;
  std::size_t maxText_;
  std::size_t pos_ = 0;
  std::vector<Group> stack_;
  std::size_t flatDepth_ = 0;
  bool overflowedDepth_ = false;
  bool full_ = false;
  // The group of a shape's instructions or of its fallback, by its depth (0: none), and where its text
  // started; the last shape's text.
  struct OpenGroup {
    std::size_t depth = 0;
    std::size_t from = 0;
  };
  OpenGroup shape_;
  OpenGroup shapeResult_;
  std::pair<std::size_t, std::size_t> shapeText_{0, 0};
  bool starred_ = false;
  int pendingSkip_ = 0;
  std::uint32_t highSurrogate_ = 0;
  int documentCodePage_ = kDefaultCodePage;
  long definingFont_ = -1;
  std::map<long, int> fontCodePages_;
  std::string propertyName_;  // the last shape property's name
  std::string instruction_;   // the outermost field instruction's text, up to kMaxInstructionBytes
  std::string bytes_;         // \'hh bytes not yet decoded (a double-byte character spans two)
  std::string object_;        // the data of the object being read
  int nibble_ = -1;           // its first hex digit of a byte, or -1
  std::size_t objectBytes_ = 0;
  bool objectsCut_ = false;
  RtfTextResult result_;
};

}  // namespace

RtfTextResult rtfText(std::string_view data, std::size_t maxText) { return Reader(data, maxText).run(); }

}  // namespace mamori::scan
