#pragma once
// What is inside a compound file (OLE2/CFB), by its streams, never by its name: a Word document
// ("WordDocument"), an Excel workbook ("Workbook"), a PowerPoint presentation ("PowerPoint Document")
// or an Outlook message ("__substg1.0_*" streams, attachments in "__attach_version1.0_#N" storages,
// embedded messages). Text goes to the sink as UTF-8 (or, for 8-bit message properties in an unknown
// code page, as found, for the text decoder); attachments go back to the caller as bytes to be opened
// like any file. Pure and bounded.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::scan {

struct OleSink {
  std::function<void(const std::string& location, std::string_view text)> text;
  // An attachment's bytes (location names it inside the message: "mail.msg!report.docx").
  std::function<void(const std::string& location, std::string_view bytes)> embedded;
  std::function<void(const std::string& location, const std::string& reason, common::ErrorKind kind)> problem;
};

enum class OleKind { kNotCompound, kUnknown, kWord, kExcel, kPowerPoint, kMessage, kEncryptedPackage, kObject };

// Reads data (a whole compound file at location); maxBytes bounds every stream read and all text
// produced. kNotCompound when the header, FAT or directory is broken (past a header with the byte
// order mark, reported to the sink's problem as "corrupt compound file: ...") and kUnknown for a
// compound file of another kind (nothing sent to the sink): the caller treats data as plain bytes
// then. kEncryptedPackage: a password-protected OOXML document, reported to the sink's problem. kObject:
// an embedded object saved as a compound file (its package or file sent to the sink's embedded).
// Objects embedded in a .doc, .xls or .ppt (charts, sheets, documents, presentations, dropped files)
// are sent to embedded, or read where they are, with the document.
// A file dropped into a document (an OLE "Package" object's "\x01Ole10Native" stream: its size,
// label, source and temporary paths, then the file's bytes): name is the label (or the source path's
// last component) when printable ASCII, else "embedded-file"; data views stream. For another OLE 1.0
// object the data is the native bytes after the size, named "Ole10Native". Pure and bounded.
struct OleNativeFile {
  std::string name;
  std::string_view data;
};
OleNativeFile oleNativeFile(std::string_view stream);

// An OLE 1.0 object as RTF keeps it ({\*\objdata}: [MS-OLEDS] 2.2.4 ObjectHeader, then for an embedded
// object its native data's size and bytes): the class name ("Word.Document.8", "Package") and the
// native data (a compound file for OLE 2 objects; for a Package the Ole10Native layout, which
// sizedNative gives with its size for oleNativeFile). native is empty for linked and static objects
// and for data that is cut short. Pure and bounded.
struct Ole1Object {
  std::string className;
  std::string_view native;
  std::string_view sizedNative;
};
Ole1Object ole1Object(std::string_view data);

OleKind readOleDocument(std::string_view data, const std::string& location, std::uint64_t maxBytes,
                        const OleSink& sink);

}  // namespace mamori::scan
