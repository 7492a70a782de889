#include "scan/PptText.h"

#include <cstdint>

#include "scan/LegacyText.h"

namespace mamori::scan {

namespace {
constexpr std::uint16_t kTextCharsAtom = 0x0FA0;
constexpr std::uint16_t kTextBytesAtom = 0x0FA8;
constexpr std::uint16_t kCString = 0x0FBA;
constexpr std::uint16_t kBinaryTagData = 0x138B;  // RT_BinaryTagDataBlob
constexpr std::uint16_t kCryptSession = 0x2F14;   // CryptSession10Container: the document is encrypted
constexpr std::size_t kHeaderBytes = 8;

// The records of doc from the first on: containers (recVer 0xF) are entered by stepping over their
// header only, so the walk needs no stack and nesting costs nothing; atoms are stepped over whole. A
// binary tag's data (the "___PPT10" extension that holds the slide's comments, Comment10Container) is
// walked as records of its own, once (a tag's data inside a tag's data is stepped over).
void walk(std::string_view doc, std::size_t maxText, bool inTag, LegacyTextResult& result) {
  std::string& out = result.text;
  std::size_t at = 0;
  while (at + kHeaderBytes <= doc.size() && out.size() < maxText) {
    const std::uint16_t verInstance = le16(doc, at);
    const std::uint16_t type = le16(doc, at + 2);
    const std::uint32_t length = le32(doc, at + 4);
    const std::size_t body = at + kHeaderBytes;
    if ((verInstance & 0x000FU) == 0x000FU) {
      // A password-protected presentation: its text atoms are ciphertext, not text.
      if (type == kCryptSession) {
        result.encrypted = true;
        out.clear();
        return;
      }
      at = body;
      continue;
    }
    if (length > doc.size() - body) {
      if (!inTag)
        result.problems.push_back("record at offset " + std::to_string(at) + " runs past the end of the stream");
      break;
    }
    const std::string_view data = doc.substr(body, length);
    if (type == kTextCharsAtom || type == kCString) {
      appendUtf16Le(out, data);
      out.push_back('\n');
    } else if (type == kTextBytesAtom) {
      appendLatin1(out, data);
      out.push_back('\n');
    } else if (type == kBinaryTagData && !inTag) {
      walk(data, maxText, true, result);
    }
    at = body + length;
  }
}

}  // namespace

LegacyTextResult pptText(std::string_view doc, std::size_t maxText) {
  LegacyTextResult result;
  std::string& out = result.text;
  walk(doc, maxText, false, result);
  for (char& c : out) {
    if (c == '\r' || c == '\x0B') c = '\n';  // paragraph and line breaks inside a text atom
  }
  if (out.size() >= maxText) {
    cutUtf8(out, maxText);
    result.problems.push_back("text cut at " + std::to_string(maxText) + " bytes");
  }
  return result;
}

void forEachPptRecord(std::string_view doc, std::uint16_t wanted,
                      const std::function<void(std::uint16_t instance, std::string_view body)>& visit) {
  std::size_t at = 0;
  while (at + kHeaderBytes <= doc.size()) {
    const std::uint16_t verInstance = le16(doc, at);
    const std::uint16_t type = le16(doc, at + 2);
    const std::uint32_t length = le32(doc, at + 4);
    const std::size_t body = at + kHeaderBytes;
    if ((verInstance & 0x000FU) == 0x000FU) {
      at = body;
      continue;
    }
    if (length > doc.size() - body) return;
    if (type == wanted) visit(static_cast<std::uint16_t>(verInstance >> 4U), doc.substr(body, length));
    at = body + length;
  }
}

}  // namespace mamori::scan
