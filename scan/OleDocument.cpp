#include "scan/OleDocument.h"

#include <algorithm>
#include <cstdio>

#include "scan/CompoundFile.h"
#include "scan/CompressedRtf.h"
#include "scan/DocText.h"
#include "scan/LegacyText.h"
#include "scan/PptText.h"
#include "scan/RtfText.h"
#include "scan/ScanTypes.h"
#include "scan/TextDecoder.h"
#include "scan/XlsText.h"
#include "scan/XmlText.h"
#include "scan/ZipReader.h"

namespace mamori::scan {

namespace {

constexpr int kMaxMessageNesting = 8;  // a message attached to a message attached to ...
constexpr std::uint32_t kCodePageProperty = 0x3FFD;
constexpr std::uint16_t kExOleObjStg = 0x1011;

bool nameIs(std::string_view name, std::string_view wanted) {
  if (name.size() != wanted.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(name[i]) != lower(wanted[i])) return false;
  }
  return true;
}

class Reader {
 public:
  Reader(const CompoundFile& file, std::uint64_t maxBytes, const OleSink& sink)
      : file_(file), maxBytes_(maxBytes), sink_(sink) {}

  // A stream's bytes, or nullopt (with the problem reported unless it is simply absent).
  std::optional<std::string> stream(const std::string& location, const std::string& path) {
    const CfbEntry* entry = file_.find(path);
    if (entry == nullptr || entry->type != CfbEntry::Type::kStream) return std::nullopt;
    auto bytes = file_.read(*entry, remaining());
    if (!bytes) {
      sink_.problem(location, bytes.error().message, bytes.error().kind);
      return std::nullopt;
    }
    return std::move(bytes.value());
  }

  void text(const std::string& location, const LegacyTextResult& result, const char* what) {
    if (result.encrypted) {
      sink_.problem(location, std::string("encrypted ") + what + ": its text cannot be read",
                    common::ErrorKind::kOther);
      return;
    }
    for (const auto& problem : result.problems) sink_.problem(location, problem, common::ErrorKind::kCorrupt);
    emit(location, result.text);
  }

  void emit(const std::string& location, std::string_view text) {
    if (text.empty()) return;
    produced_ += text.size();
    sink_.text(location, text);
  }

  std::size_t remaining() const { return static_cast<std::size_t>(maxBytes_ > produced_ ? maxBytes_ - produced_ : 0); }

  void word(const std::string& location) {
    auto doc = stream(location, "WordDocument");
    if (!doc) return;
    const std::string tableName = docTableStreamName(*doc);
    auto table = tableName.empty() ? std::nullopt : stream(location, tableName);
    text(location, docText(*doc, table ? *table : std::string_view(), remaining()), "Word document");
    embeddedObjects(location);
  }

  void excel(const std::string& location) {
    auto book = stream(location, "Workbook");
    if (!book) book = stream(location, "Book");
    if (book) text(location, xlsText(*book, remaining()), "workbook");
    embeddedObjects(location);
  }

  void powerPoint(const std::string& location) {
    auto doc = stream(location, "PowerPoint Document");
    if (!doc) return;
    text(location, pptText(*doc, remaining()), "presentation");
    // Embedded objects (a chart, a sheet): ExOleObjStg records, each a compound file of its own,
    // zlib-compressed when the record's instance is 1 (after its 4-byte decompressed size).
    int count = 0;
    forEachPptRecord(*doc, kExOleObjStg, [&](std::uint16_t instance, std::string_view body) {
      const std::string where = memberLocation(location, "object-" + std::to_string(++count));
      if (instance != 1) {
        sink_.embedded(where, body);
        return;
      }
      if (body.size() < 4) return;
      const std::uint64_t declared = le32(body, 0);
      auto object = inflateBounded(body.substr(4), 15, remaining(), std::min<std::uint64_t>(declared, remaining()));
      if (!object) {
        sink_.problem(where, "embedded object: " + object.error().message, object.error().kind);
        return;
      }
      produced_ += object.value().size();
      sink_.embedded(where, object.value());
    });
  }

  // Objects embedded in a document (Word's ObjectPool, Excel's MBD storages) or a compound file that is
  // itself one object: an OpenDocument or OOXML package ("package_stream", "Package") is a nested file;
  // a workbook inside a storage is read as one. Returns whether there was any.
  bool embeddedObjects(const std::string& location) {
    bool any = false;
    for (const CfbEntry& entry : file_.entries()) {
      if (entry.type != CfbEntry::Type::kStream) continue;
      const bool package = nameIs(entry.name, "package_stream") || nameIs(entry.name, "Package");
      const bool book = entry.parent > 0 && (nameIs(entry.name, "Workbook") || nameIs(entry.name, "Book"));
      if (!package && !book) continue;
      auto bytes = stream(location, entry.path);
      if (!bytes) continue;
      any = true;
      if (package) {
        produced_ += bytes->size();
        sink_.embedded(memberLocation(location, entry.path), *bytes);
      } else {
        const std::string where = memberLocation(location, entry.path.substr(0, entry.path.rfind('/')));
        text(where, xlsText(*bytes, remaining()), "workbook");
      }
    }
    return any;
  }

  // A message stored at storage (the root, or an embedded message's "__substg1.0_3701000D").
  void message(const std::string& location, int storage, int nesting) {
    const std::string base = file_.entries()[static_cast<std::size_t>(storage)].path;
    const auto at = [&](const std::string& name) { return base.empty() ? name : base + "/" + name; };
    const int codePage = messageCodePage(location, at("__properties_version1.0"), storage == 0 ? 32 : 24);
    std::string out;
    for (const char* id : {"0037", "0C1A", "0E04", "0E03", "1000"}) {  // subject, from, to, cc, body
      std::string value = property(location, at(std::string("__substg1.0_") + id), codePage);
      if (!value.empty()) out.append(value).push_back('\n');
    }
    if (auto rtf = stream(location, at("__substg1.0_10090102"))) {  // the RTF body, compressed
      auto raw = decompressRtf(*rtf, remaining());
      if (raw) {
        out.append(rtfText(raw.value(), remaining()).text).push_back('\n');
      } else {
        sink_.problem(location, raw.error().message, raw.error().kind);
      }
    }
    if (auto html = stream(location, at("__substg1.0_10130102"))) {
      const auto decoded = decodeToUtf8(*html);
      out.append(xmlText(decoded ? *decoded : *html)).push_back('\n');
    }
    cutUtf8(out, remaining());
    emit(location, out);

    for (const CfbEntry* child : file_.children(storage)) {
      if (child->type != CfbEntry::Type::kStorage || child->name.rfind("__attach_version1.0_", 0) != 0) continue;
      attachment(location, *child, nesting);
    }
  }

 private:
  void attachment(const std::string& location, const CfbEntry& storage, int nesting) {
    const std::string base = storage.path + "/__substg1.0_";
    std::string name = property(location, base + "3707", 0);        // long file name
    if (name.empty()) name = property(location, base + "3704", 0);  // 8.3 file name
    if (name.empty()) name = property(location, base + "3001", 0);  // display name
    if (name.empty()) name = storage.name;
    if (auto data = stream(location, base + "37010102")) {
      sink_.embedded(memberLocation(location, name), *data);
      return;
    }
    const CfbEntry* inner = file_.find(base + "3701000D");
    if (inner == nullptr || inner->type != CfbEntry::Type::kStorage) return;
    if (nesting >= kMaxMessageNesting) {
      sink_.problem(memberLocation(location, name), "messages nested deeper than " + std::to_string(kMaxMessageNesting),
                    common::ErrorKind::kTooLarge);
      return;
    }
    message(memberLocation(location, name.find('.') == std::string::npos ? name + ".msg" : name), file_.indexOf(*inner),
            nesting + 1);
  }

  // A string property by its id's stream prefix ("…/__substg1.0_0037"): UTF-16 (001F) or 8-bit (001E,
  // in the message's code page when it says one, else as the text decoder judges).
  std::string property(const std::string& location, const std::string& prefix, int codePage) {
    std::string out;
    if (auto wide = stream(location, prefix + "001F")) {
      appendUtf16Le(out, *wide);
    } else if (auto narrow = stream(location, prefix + "001E")) {
      std::string_view bytes = *narrow;
      while (!bytes.empty() && bytes.back() == '\0') bytes.remove_suffix(1);
      if (codePage == 932) {
        out = transcodeToUtf8(bytes, TextEncoding::kShiftJis);
      } else if (codePage == 65001) {
        out = std::string(bytes);
      } else if (codePage == 1252 || codePage == 20127 || codePage == 28591) {
        appendCp1252(out, bytes);
      } else {
        const auto decoded = decodeToUtf8(bytes);
        out = decoded ? *decoded : std::string(bytes);
      }
    }
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return out;
  }

  // PR_MESSAGE_CODEPAGE from the property stream (fixed-size entries of 16 bytes after a header); 0 if none.
  int messageCodePage(const std::string& location, const std::string& path, std::size_t headerBytes) {
    auto props = stream(location, path);
    if (!props || props->size() < headerBytes) return 0;
    for (std::size_t at = headerBytes; at + 16 <= props->size(); at += 16) {
      if (le32(*props, at) >> 16U == kCodePageProperty) return static_cast<int>(le32(*props, at + 8));
    }
    return 0;
  }

  const CompoundFile& file_;
  std::uint64_t maxBytes_;
  std::uint64_t produced_ = 0;
  const OleSink& sink_;
};

}  // namespace

OleKind readOleDocument(std::string_view data, const std::string& location, std::uint64_t maxBytes,
                        const OleSink& sink) {
  auto opened = CompoundFile::open(data);
  if (!opened) {
    // A compound file's header (its byte order mark where [MS-CFB] puts it) with a broken FAT or
    // directory is corrupt or cut short: said so. Other bytes behind the signature are not taken for
    // one. Either way its bytes are still matched as they are.
    if (data.size() >= 512 && le16(data, 0x1C) == 0xFFFE)
      sink.problem(location, opened.error().message, opened.error().kind);
    return OleKind::kNotCompound;
  }
  const CompoundFile& file = opened.value();
  Reader reader(file, maxBytes, sink);
  if (file.find("WordDocument") != nullptr) {
    reader.word(location);
    return OleKind::kWord;
  }
  if (file.find("Workbook") != nullptr || file.find("Book") != nullptr) {
    reader.excel(location);
    return OleKind::kExcel;
  }
  if (file.find("PowerPoint Document") != nullptr) {
    reader.powerPoint(location);
    return OleKind::kPowerPoint;
  }
  if (file.find("__properties_version1.0") != nullptr || file.find("__substg1.0_0037001F") != nullptr ||
      file.find("__substg1.0_1000001F") != nullptr || file.find("__substg1.0_0037001E") != nullptr) {
    reader.message(location, 0, 0);
    return OleKind::kMessage;
  }
  // An embedded object saved as a file of its own (a .ppt's ExOleObjStg): its package.
  if (reader.embeddedObjects(location)) return OleKind::kObject;
  // A password-protected .docx/.xlsx/.pptx: Office (and LibreOffice) write the encrypted package in a
  // compound file, beside the key's description ([MS-OFFCRYPTO]).
  if (file.find("EncryptedPackage") != nullptr && file.find("EncryptionInfo") != nullptr) {
    sink.problem(location, "encrypted Office document (password-protected): its text cannot be read",
                 common::ErrorKind::kOther);
    return OleKind::kEncryptedPackage;
  }
  return OleKind::kUnknown;
}

}  // namespace mamori::scan
