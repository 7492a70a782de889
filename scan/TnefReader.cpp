#include "scan/TnefReader.h"

#include "scan/CompressedRtf.h"
#include "scan/LegacyText.h"
#include "scan/RtfText.h"
#include "scan/TextDecoder.h"
#include "scan/XmlText.h"

namespace mamori::scan {

namespace {

constexpr std::uint32_t kSignature = 0x223E9F78;
// Attributes ([MS-OXTNEF] 2.1.3.3): the full ids, type in the high word.
constexpr std::uint32_t kAttSubject = 0x00018004;
constexpr std::uint32_t kAttBody = 0x0001800C;
constexpr std::uint32_t kAttMapiProps = 0x00069003;
constexpr std::uint32_t kAttOemCodepage = 0x00069007;
constexpr std::uint32_t kAttAttachRendData = 0x00069002;
constexpr std::uint32_t kAttAttachTitle = 0x00018010;
constexpr std::uint32_t kAttAttachData = 0x0006800F;
constexpr std::uint32_t kAttAttachment = 0x00069005;
// MAPI property types and ids.
constexpr std::uint16_t kPtString8 = 0x001E;
constexpr std::uint16_t kPtUnicode = 0x001F;
constexpr std::uint16_t kPtBinary = 0x0102;
constexpr std::uint16_t kPtObject = 0x000D;
constexpr std::uint16_t kPrSubject = 0x0037;
constexpr std::uint16_t kPrBody = 0x1000;
constexpr std::uint16_t kPrRtfCompressed = 0x1009;
constexpr std::uint16_t kPrBodyHtml = 0x1013;
constexpr std::uint16_t kPrAttachDataObj = 0x3701;
constexpr std::uint16_t kPrAttachLongFilename = 0x3707;
constexpr std::uint32_t kMaxProperties = 4096;

std::size_t padded(std::size_t n) { return (n + 3U) & ~std::size_t{3}; }

class Reader {
 public:
  Reader(std::string_view data, std::size_t maxText, std::size_t maxAttachments)
      : data_(data), maxText_(maxText), maxAttachments_(maxAttachments) {}

  TnefResult run() {
    std::size_t at = 6;
    while (data_.size() - at >= 9) {
      const auto level = static_cast<unsigned char>(data_[at]);
      const std::uint32_t id = le32(data_, at + 1);
      const std::uint32_t length = le32(data_, at + 5);
      at += 9;
      if (length > data_.size() - at) {
        result_.problems.push_back("TNEF attribute runs past the end of the stream (truncated?)");
        break;
      }
      attribute(level, id, data_.substr(at, length));
      at += length;
      at += std::min<std::size_t>(2, data_.size() - at);  // the checksum
    }
    return std::move(result_);
  }

 private:
  void attribute(unsigned char level, std::uint32_t id, std::string_view value) {
    switch (id) {
      case kAttOemCodepage:
        if (value.size() >= 4) codePage_ = static_cast<int>(le32(value, 0));
        return;
      case kAttSubject:
      case kAttBody: appendText(narrow(value)); return;
      case kAttMapiProps:
        if (level == 1) properties(value, false);
        return;
      case kAttAttachRendData:
        if (result_.attachments.size() >= maxAttachments_) {
          if (!attachmentsCut_) result_.problems.push_back("TNEF attachments past archive.max_members not read");
          attachmentsCut_ = true;
          current_ = kNone;
          return;
        }
        result_.attachments.push_back({"attachment-" + std::to_string(result_.attachments.size() + 1), {}});
        current_ = result_.attachments.size() - 1;
        named_ = false;
        return;
      case kAttAttachTitle:
        if (current_ != kNone && !named_) attachmentAt(current_).name = narrow(value);
        return;
      case kAttAttachData:
        if (current_ != kNone) attachmentAt(current_).data = value;
        return;
      case kAttAttachment:
        if (current_ != kNone) properties(value, true);
        return;
      default: return;
    }
  }

  // A MAPI property list ([MS-OXTNEF] 2.1.3.4): the message's bodies, or an attachment's name and data.
  void properties(std::string_view block, bool attachment) {
    if (block.size() < 4) return;
    const std::uint32_t count = std::min(le32(block, 0), kMaxProperties);
    std::size_t at = 4;
    const auto need = [&](std::size_t n) { return block.size() - at >= n; };
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!need(4)) return;
      const std::uint16_t type = le16(block, at);
      const std::uint16_t id = le16(block, at + 2);
      at += 4;
      if (id >= 0x8000) {  // a named property: its GUID, then a number or a name
        if (!need(20)) return;
        const std::uint32_t kind = le32(block, at + 16);
        at += 20;
        if (kind == 0) {
          if (!need(4)) return;
          at += 4;
        } else if (kind == 1) {
          if (!need(4)) return;
          const std::size_t length = padded(le32(block, at));
          at += 4;
          if (!need(length)) return;
          at += length;
        } else {
          return;
        }
      }
      const bool multiple = (type & 0x1000U) != 0;
      const auto base = static_cast<std::uint16_t>(type & 0x0FFFU);
      std::size_t fixed = 0;
      switch (base) {
        case 0x0002:
        case 0x0003:
        case 0x0004:
        case 0x000A:
        case 0x000B: fixed = 4; break;
        case 0x0005:
        case 0x0006:
        case 0x0007:
        case 0x0014:
        case 0x0040: fixed = 8; break;
        case 0x0048: fixed = 16; break;
        case kPtString8:
        case kPtUnicode:
        case kPtBinary:
        case kPtObject: break;
        default: return;  // a type this reader does not know: its size neither
      }
      if (fixed != 0) {
        std::size_t values = 1;
        if (multiple) {
          if (!need(4)) return;
          values = le32(block, at);
          at += 4;
        }
        if (values > (block.size() - at) / fixed) return;
        at += values * fixed;
        continue;
      }
      if (!need(4)) return;
      const std::uint32_t values = le32(block, at);
      at += 4;
      for (std::uint32_t v = 0; v < values; ++v) {
        if (!need(4)) return;
        const std::uint32_t length = le32(block, at);
        at += 4;
        if (!need(length)) return;
        const std::string_view value = block.substr(at, length);
        at += std::min(padded(length), block.size() - at);
        if (v == 0) property(id, base, value, attachment);
      }
    }
  }

  void property(std::uint16_t id, std::uint16_t type, std::string_view value, bool attachment) {
    const bool string = type == kPtString8 || type == kPtUnicode;
    if (attachment) {
      if (id == kPrAttachLongFilename && string) {
        std::string name = decode(type, value);
        if (!name.empty()) {
          attachmentAt(current_).name = std::move(name);
          named_ = true;
        }
      } else if (id == kPrAttachDataObj && type == kPtObject && value.size() > 16) {
        attachmentAt(current_).data = value.substr(16);  // after the interface's id: the object's bytes
      } else if (id == kPrAttachDataObj && type == kPtBinary && attachmentAt(current_).data.empty()) {
        attachmentAt(current_).data = value;
      }
      return;
    }
    if ((id == kPrSubject || id == kPrBody) && string) {
      appendText(decode(type, value));
    } else if (id == kPrRtfCompressed && type == kPtBinary) {
      auto rtf = decompressRtf(value, maxText_);
      if (rtf) {
        appendText(rtfText(rtf.value(), maxText_).text);
      } else {
        result_.problems.push_back("TNEF RTF body: " + rtf.error().message);
      }
    } else if (id == kPrBodyHtml && (type == kPtBinary || string)) {
      const auto decoded = decodeToUtf8(value);
      appendText(xmlText(decoded ? *decoded : std::string(value)));
    }
  }

  std::string decode(std::uint16_t type, std::string_view value) {
    if (type != kPtUnicode) return narrow(value);
    std::string out;
    appendUtf16Le(out, value.substr(0, value.size() & ~std::size_t{1}));
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
  }

  // 8-bit text in the stream's code page (Shift_JIS for a Japanese Outlook), else as the decoder judges.
  std::string narrow(std::string_view bytes) const {
    while (!bytes.empty() && bytes.back() == '\0') bytes.remove_suffix(1);
    if (codePage_ == 932) return transcodeToUtf8(bytes, TextEncoding::kShiftJis);
    if (codePage_ == 65001) return std::string(bytes);
    std::string out;
    if (codePage_ == 1252 || codePage_ == 28591) {
      appendCp1252(out, bytes);
      return out;
    }
    const auto decoded = decodeToUtf8(bytes);
    return decoded ? *decoded : std::string(bytes);
  }

  void appendText(const std::string& text) {
    if (text.empty()) return;
    if (result_.text.size() + text.size() + 1 > maxText_) {
      if (!textCut_) result_.problems.push_back("TNEF text cut at " + std::to_string(maxText_) + " bytes");
      textCut_ = true;
      return;
    }
    result_.text.append(text).push_back('\n');
  }

  std::string_view data_;
  std::size_t maxText_;
  std::size_t maxAttachments_;
  int codePage_ = 0;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  TnefAttachment& attachmentAt(std::size_t index) { return result_.attachments[index]; }
  std::size_t current_ = kNone;  // the attachment being read, an index into result_.attachments
  bool named_ = false;           // it has its long file name
  bool attachmentsCut_ = false;
  bool textCut_ = false;
  TnefResult result_;
};

}  // namespace

bool isTnef(std::string_view data) { return data.size() >= 6 && le32(data, 0) == kSignature; }

TnefResult readTnef(std::string_view data, std::size_t maxText, std::size_t maxAttachments) {
  if (!isTnef(data)) return {};
  return Reader(data, maxText, maxAttachments).run();
}

}  // namespace mamori::scan
