// Fuzzes the compound-file (OLE2/CFB) reader and the legacy Office readers on top of it: the header,
// FAT, DIFAT, MiniFAT and directory tree; every stream read through its chain; the Word, Excel and
// PowerPoint text readers, compressed RTF, the OLE Package (Ole10Native) and OLE 1.0 object readers on
// every stream's bytes; the whole dispatch including .msg attachments (documents attached as OLE
// objects too) and objects embedded as storages. Small limits keep huge claimed sizes cheap.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/CompoundFile.h"
#include "scan/CompressedRtf.h"
#include "scan/DocText.h"
#include "scan/OleDocument.h"
#include "scan/PptText.h"
#include "scan/XlsText.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
  constexpr std::size_t kLimit = 1 << 20;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
  std::size_t seen = 0;
  auto cfb = CompoundFile::open(input);
  if (cfb) {
    for (const auto& entry : cfb.value().entries()) {
      if (entry.type != CfbEntry::Type::kStream) continue;
      auto bytes = cfb.value().read(entry, kLimit);
      if (!bytes) continue;
      seen += xlsText(bytes.value(), kLimit).text.size();
      seen += pptText(bytes.value(), kLimit).text.size();
      seen += docText(bytes.value(), bytes.value(), kLimit).text.size();
      if (auto rtf = decompressRtf(bytes.value(), kLimit)) seen += rtf.value().size();
      const auto dropped = oleNativeFile(bytes.value());
      seen += dropped.name.size() + dropped.data.size();
      const auto object = ole1Object(bytes.value());  // an RTF object's OLE 1.0 header
      seen += object.className.size() + object.native.size();
    }
  }
  const OleSink sink{[&](const std::string& where, std::string_view text) { seen += where.size() + text.size(); },
                     [&](const std::string& where, std::string_view bytes) { seen += where.size() + bytes.size(); },
                     [&](const std::string& where, const std::string& reason, mamori::common::ErrorKind) {
                       seen += where.size() + reason.size();
                     }};
  (void)readOleDocument(input, "f.msg", kLimit, sink);
  return seen == static_cast<std::size_t>(-1) ? 1 : 0;
}
