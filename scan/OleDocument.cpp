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

  // The document whose streams are in the storage at base ("" for the root, else a path ending in '/').
  void word(const std::string& location, const std::string& base = "") {
    auto doc = stream(location, base + "WordDocument");
    if (!doc) return;
    const std::string tableName = docTableStreamName(*doc);
    auto table = tableName.empty() ? std::nullopt : stream(location, base + tableName);
    text(location, docText(*doc, table ? *table : std::string_view(), remaining()), "Word document");
  }

  void excel(const std::string& location, const std::string& base = "") {
    auto book = stream(location, base + "Workbook");
    if (!book) book = stream(location, base + "Book");
    if (book) text(location, xlsText(*book, remaining()), "workbook");
  }

  void powerPoint(const std::string& location, const std::string& base = "") {
    auto doc = stream(location, base + "PowerPoint Document");
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

  // Objects embedded in a document (Word's ObjectPool/_N, Excel's MBD* storages, a .ppt's object) or a
  // compound file that is itself one object, each read once wherever it is in the tree (an object
  // inside an object inside the document included):
  // - a storage holding a Word document, a presentation or a workbook is read as one (located at the
  //   storage: "report.doc!ObjectPool/_1234");
  // - an OpenDocument or OOXML package ("package_stream", "Package") is a nested file;
  // - a file dropped into the document (an OLE Package object: its "\x01Ole10Native" stream) is a
  //   nested file under its own name ("report.doc!ObjectPool/_1234/secret.xlsx");
  // - an object's "CONTENTS" stream (how Acrobat and others keep their file) is a nested file.
  // Returns whether there was any.
  bool embeddedObjects(const std::string& location) {
    bool any = false;
    for (const CfbEntry& entry : file_.entries()) {
      if (entry.type == CfbEntry::Type::kStorage) {
        if (entry.name.rfind("__substg1.0_", 0) == 0 || entry.name.rfind("__attach_version1.0_", 0) == 0) continue;
        any = storageDocument(memberLocation(location, entry.path), entry.path + "/") || any;
      } else if (entry.type == CfbEntry::Type::kStream) {
        any = objectStream(location, entry, entry.path.substr(0, entry.path.size() - entry.name.size())) || any;
      }
    }
    return any;
  }

  // The Word document, presentation or workbook in the storage at base (a path ending in '/'), read
  // and located at where; false when the storage holds none.
  bool storageDocument(const std::string& where, const std::string& base) {
    const auto has = [&](const char* name) {
      const CfbEntry* found = file_.find(base + name);
      return found != nullptr && found->type == CfbEntry::Type::kStream;
    };
    if (has("WordDocument")) {
      word(where, base);
    } else if (has("PowerPoint Document")) {
      powerPoint(where, base);
    } else if (has("Workbook") || has("Book")) {
      excel(where, base);
    } else {
      return false;
    }
    return true;
  }

  // A stream that is an object's file (a package, a dropped file's Ole10Native, CONTENTS): sent as a
  // nested file located at location!prefix + its name; false for any other stream.
  bool objectStream(const std::string& location, const CfbEntry& entry, const std::string& prefix) {
    const bool package = nameIs(entry.name, "package_stream") || nameIs(entry.name, "Package");
    const bool native = entry.name == "\x01Ole10Native";
    const bool contents = nameIs(entry.name, "CONTENTS");
    if (!package && !native && !contents) return false;
    auto bytes = stream(location, entry.path);
    if (!bytes) return false;
    produced_ += bytes->size();
    if (!native) {
      sink_.embedded(memberLocation(location, prefix + entry.name), *bytes);
      return true;
    }
    const OleNativeFile file = oleNativeFile(*bytes);
    if (!file.data.empty()) sink_.embedded(memberLocation(location, prefix + file.name), file.data);
    return true;
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
    // An OLE object attached to the message (a document in a rich-text mail, attach method 6): its
    // storage holds the object's streams, not a message's.
    if (file_.find(inner->path + "/__properties_version1.0") == nullptr) {
      const std::string where = memberLocation(location, name);
      storageDocument(where, inner->path + "/");
      for (const CfbEntry* child : file_.children(file_.indexOf(*inner))) {
        if (child->type == CfbEntry::Type::kStream) objectStream(where, *child, "");
      }
      return;
    }
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

OleNativeFile oleNativeFile(std::string_view stream) {
  OleNativeFile out;
  if (stream.size() < 4) return out;
  // The declared size bounds what follows; a stream shorter than it is read as far as it goes.
  const std::size_t size = std::min<std::size_t>(le32(stream, 0), stream.size() - 4);
  const std::string_view native = stream.substr(4, size);
  const auto cString = [&](std::size_t& at) -> std::optional<std::string_view> {
    const std::size_t nul = native.find('\0', at);
    if (nul == std::string_view::npos || nul - at > 4096) return std::nullopt;
    const std::string_view value = native.substr(at, nul - at);
    at = nul + 1;
    return value;
  };
  // A Package object: version, label, source path, then the temporary path's and the data's sizes.
  std::size_t at = 2;
  const auto label = native.size() > 2 && le16(native, 0) == 2 ? cString(at) : std::nullopt;
  const auto path = label ? cString(at) : std::nullopt;
  if (path && at + 8 <= native.size()) {
    at += 4;  // the kind of the object (3: an embedded file)
    const std::uint32_t tempBytes = le32(native, at);
    at += 4;
    if (tempBytes <= native.size() - at && native.size() - at - tempBytes >= 4) {
      at += tempBytes;
      const std::uint32_t dataBytes = le32(native, at);
      at += 4;
      if (dataBytes <= native.size() - at) {
        out.data = native.substr(at, dataBytes);
        // The name: the label's, else the path's last component; ASCII only (the 8-bit names are in
        // the writer's code page), else a neutral name.
        std::string_view name = *label;
        if (name.empty()) name = path->substr(path->find_last_of("\\/") + 1);
        bool ascii = !name.empty();
        for (const char c : name) ascii = ascii && c >= ' ' && c < 0x7F && c != '!' && c != '/' && c != '\\';
        out.name = ascii ? std::string(name) : std::string("embedded-file");
        return out;
      }
    }
  }
  // Another OLE 1.0 object (its native data is the file itself).
  out.data = native;
  out.name = "Ole10Native";
  return out;
}

Ole1Object ole1Object(std::string_view data) {
  Ole1Object out;
  constexpr std::uint32_t kEmbedded = 2;
  if (data.size() < 8 || le32(data, 4) != kEmbedded) return out;
  std::size_t at = 8;
  for (int field = 0; field < 3; ++field) {  // class, topic and item names: sizes with their NUL
    if (data.size() - at < 4) return out;
    const std::uint32_t size = le32(data, at);
    at += 4;
    if (size > data.size() - at) return out;
    if (field == 0) {
      std::string_view name = data.substr(at, size);
      while (!name.empty() && name.back() == '\0') name.remove_suffix(1);
      out.className = std::string(name.substr(0, 256));
    }
    at += size;
  }
  if (data.size() - at < 4) return out;
  const std::uint32_t size = le32(data, at);
  if (size > data.size() - at - 4) return out;
  out.sizedNative = data.substr(at, size + 4);
  out.native = data.substr(at + 4, size);
  return out;
}

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
    reader.embeddedObjects(location);
    return OleKind::kWord;
  }
  if (file.find("Workbook") != nullptr || file.find("Book") != nullptr) {
    reader.excel(location);
    reader.embeddedObjects(location);
    return OleKind::kExcel;
  }
  if (file.find("PowerPoint Document") != nullptr) {
    reader.powerPoint(location);
    reader.embeddedObjects(location);
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
