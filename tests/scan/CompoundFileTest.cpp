// The compound-file reader and the legacy Office readers on top of it, with hand-built inputs: the
// record layouts as [MS-CFB], [MS-XLS] and [MS-OXRTFCP] define them, and hostile variants of each.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "scan/CompoundFile.h"
#include "scan/CompressedRtf.h"
#include "scan/Extractor.h"
#include "scan/OleDocument.h"
#include "scan/PptText.h"
#include "scan/XlsText.h"

using namespace mamori::scan;

namespace {

void put16(std::string& s, std::size_t at, std::uint32_t v) {
  s[at] = static_cast<char>(v & 0xFFU);
  s[at + 1] = static_cast<char>((v >> 8U) & 0xFFU);
}
void put32(std::string& s, std::size_t at, std::uint32_t v) {
  put16(s, at, v & 0xFFFFU);
  put16(s, at + 2, v >> 16U);
}
std::string u16(std::u16string_view text) {
  std::string out;
  for (const char16_t c : text) out += {static_cast<char>(c & 0xFF), static_cast<char>(c >> 8)};
  return out;
}
std::string record(std::uint16_t type, const std::string& body) {
  std::string r(4, '\0');
  put16(r, 0, type);
  put16(r, 2, static_cast<std::uint32_t>(body.size()));
  return r + body;
}

// A version 3 compound file: sector 0 the FAT, sector 1 the directory (root + one stream), the stream
// from sector 2 on (at least 4096 bytes, so it lives in regular sectors, not the mini stream).
std::string compoundFile(const std::string& streamName, std::string stream) {
  if (stream.size() < 4096) stream.resize(4096, '\0');
  const std::size_t sectors = (stream.size() + 511) / 512;
  std::string header(512, '\0');
  header.replace(0, 8, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
  put16(header, 0x18, 0x3E);
  put16(header, 0x1A, 3);
  put16(header, 0x1C, 0xFFFE);
  put16(header, 0x1E, 9);
  put16(header, 0x20, 6);
  put32(header, 0x2C, 1);           // one FAT sector
  put32(header, 0x30, 1);           // the directory at sector 1
  put32(header, 0x38, 4096);        // mini stream cutoff
  put32(header, 0x3C, 0xFFFFFFFE);  // no MiniFAT
  put32(header, 0x44, 0xFFFFFFFE);  // no DIFAT sectors
  for (std::size_t i = 0; i < 109; ++i) put32(header, 0x4C + i * 4, i == 0 ? 0 : 0xFFFFFFFF);
  std::string fat(512, '\xFF');
  put32(fat, 0, 0xFFFFFFFD);
  put32(fat, 4, 0xFFFFFFFE);
  for (std::size_t i = 0; i < sectors; ++i) put32(fat, (2 + i) * 4, i + 1 == sectors ? 0xFFFFFFFE : 3 + i);
  std::string dir(512, '\0');
  const auto entry = [&](std::size_t n, std::u16string_view name, int type, std::uint32_t child, std::uint32_t start,
                         std::uint32_t size) {
    const std::size_t at = n * 128;
    dir.replace(at, name.size() * 2, u16(name));
    put16(dir, at + 0x40, static_cast<std::uint32_t>(name.size() * 2 + 2));
    dir[at + 0x42] = static_cast<char>(type);
    put32(dir, at + 0x44, 0xFFFFFFFF);
    put32(dir, at + 0x48, 0xFFFFFFFF);
    put32(dir, at + 0x4C, child);
    put32(dir, at + 0x74, start);
    put32(dir, at + 0x78, size);
  };
  entry(0, u"Root Entry", 5, 1, 0xFFFFFFFE, 0);
  std::u16string wide(streamName.begin(), streamName.end());
  entry(1, wide, 2, 0xFFFFFFFF, 2, static_cast<std::uint32_t>(stream.size()));
  stream.resize(sectors * 512, '\0');
  return header + fat + dir + stream;
}

// A BIFF8 workbook stream: a sheet name, shared strings (one continued across a CONTINUE record in the
// other width, one with rich-text runs and phonetic data) and numbers as NUMBER, RK and MULRK cells.
std::string workbook() {
  std::string sheet = std::string(6, '\0') + std::string("\x05\x00", 2) + "Cards";
  std::string sst(8, '\0');
  put32(sst, 0, 3);
  put32(sst, 4, 3);
  sst += std::string("\x0C\x00\x00", 3) + "Confi";              // 12 characters, 8-bit; 7 follow in the CONTINUE
  std::string cont = std::string("\x01", 1) + u16(u"dential");  // the flag restated: now UTF-16
  std::string rich("\x03\x00\x0D\x01\x00\x04\x00\x00\x00", 9);  // 3 chars, UTF-16 + rich + phonetic
  cont += rich + u16(u"社外秘") + "RRRR" + "PPPP";
  cont += std::string("\x02\x00\x00", 3) + "ok";
  double card = 4111111111111111.0;
  std::string number(14, '\0');
  std::memcpy(number.data() + 6, &card, 8);
  std::string rk(10, '\0');
  put32(rk, 6, (123456789U << 2U) | 0x02U);  // an integer RK
  std::string mulrk(4, '\0');
  for (const std::uint32_t v : {12U, 34U}) {
    std::string cell(6, '\0');
    put32(cell, 2, (v << 2U) | 0x02U);
    mulrk += cell;
  }
  mulrk += std::string(2, '\0');
  return record(0x0809, std::string(16, '\0')) + record(0x0085, sheet) + record(0x00FC, sst) + record(0x003C, cont) +
         record(0x0203, number) + record(0x027E, rk) + record(0x00BD, mulrk) + record(0x000A, "");
}

}  // namespace

TEST_CASE("BIFF8: shared strings across CONTINUE records, rich and phonetic runs, numbers as their digits") {
  const auto result = xlsText(workbook(), 1 << 20);
  CHECK(result.problems.empty());
  CHECK(result.text == "Cards\nConfidential\n社外秘\nok\n4111111111111111\n123456789\n12\n34\n");
  CHECK(excelNumber(123456789012.0) == "123456789012");
  CHECK(excelNumber(0.5) == "0.5");
  CHECK(excelNumber(1e300) == "1e+300");
  CHECK(xlsText(record(0x002F, "xx"), 100).encrypted);
  // A cell comment: NOTE, OBJ, then TXO (its length at offset 10) with the text in the CONTINUE records
  // after it, each starting with the 8-bit/UTF-16 flag, then the formatting runs.
  std::string txo(18, '\0');
  put16(txo, 10, 7);
  const std::string comment = record(0x0809, std::string(16, '\0')) + record(0x01B6, txo) +
                              record(0x003C, std::string("\x01", 1) + u16(u"注記: 社")) +
                              record(0x003C, std::string("\x00", 1) + "x9") + record(0x003C, std::string(16, '\0')) +
                              record(0x01B6, txo) + record(0x003C, "") + record(0x01B6, txo);
  CHECK(xlsText(comment, 1 << 20).text == "注記: 社x9\n");
  // A chart's title (SERIESTEXT in the chart's substream): an id, then a short XLUnicodeString.
  CHECK(xlsText(record(0x100D, std::string("\x00\x00\x03\x01", 4) + u16(u"社外秘")) + record(0x100D, "\x00"), 1 << 20)
            .text == "社外秘\n");
  for (std::size_t n = 0; n < comment.size(); ++n) (void)xlsText(comment.substr(0, n), 1 << 20);
  // Cut anywhere, the reader stops with what it has.
  const std::string book = workbook();
  for (std::size_t n = 0; n < book.size(); ++n) (void)xlsText(book.substr(0, n), 1 << 20);
}

TEST_CASE("BIFF5 (Excel 5/95): 8-bit strings in the workbook's code page, CP932 through the text decoder") {
  const std::string sjis = "\x8E\xD0\x8A\x4F\x94\xE9";  // 社外秘 in Shift_JIS
  std::string bof(8, '\0');
  put16(bof, 0, 0x0500);
  std::string codePage(2, '\0');
  put16(codePage, 0, 932);
  std::string label(8, '\0');
  put16(label, 6, static_cast<std::uint32_t>(sjis.size()));
  label += sjis;
  std::string rk(10, '\0');
  put32(rk, 6, (4242U << 2U) | 0x02U);
  const std::string book = record(0x0809, bof) + record(0x0042, codePage) +
                           record(0x0085, std::string(6, '\0') + "\x06Sheet1") + record(0x0204, label) +
                           record(0x027E, rk) + record(0x0014, "\x04\x8B\xC9\x94\xE9");  // header 極秘
  const auto result = xlsText(book, 1 << 20);
  CHECK(result.text == "Sheet1\n社外秘\n4242\n極秘\n");
}

TEST_CASE("compound file: the directory and a stream through its FAT chain; an .xls is read through it") {
  const std::string file = compoundFile("Workbook", workbook());
  auto cfb = CompoundFile::open(file);
  REQUIRE_MESSAGE(cfb.ok(), cfb.error().message);
  const CfbEntry* entry = cfb.value().find("workbook");  // names compare without ASCII case
  REQUIRE(entry != nullptr);
  auto bytes = cfb.value().read(*entry, 1 << 20);
  REQUIRE(bytes.ok());
  CHECK(bytes.value().substr(0, workbook().size()) == workbook());
  CHECK(cfb.value().read(*entry, 100).error().kind == mamori::common::ErrorKind::kTooLarge);

  std::vector<std::string> texts;
  std::vector<NotInspected> skipped;
  Extractor({}).extract(
      file,
      [&](const std::string&, std::string_view part, PartKind kind) {
        if (kind == PartKind::kText) texts.emplace_back(part);
      },
      skipped);
  REQUIRE(texts.size() == 1);
  CHECK(texts[0].find("社外秘") != std::string::npos);
  CHECK(skipped.empty());
}

TEST_CASE("compound file: hostile headers, FAT loops and truncation are errors, never hangs or crashes") {
  const std::string good = compoundFile("Workbook", workbook());
  const auto openError = [](const std::string& data) {
    auto cfb = CompoundFile::open(data);
    return cfb.ok() ? std::string() : cfb.error().message;
  };
  std::string shift = good;
  put16(shift, 0x1E, 30);  // 1 GiB sectors
  CHECK(openError(shift).find("sector shift 30") != std::string::npos);
  std::string fatCount = good;
  put32(fatCount, 0x2C, 0x7FFFFFFF);
  CHECK(openError(fatCount).find("FAT sectors") != std::string::npos);
  std::string difat = good;
  put32(difat, 0x2C, 2);  // a second FAT sector, to be found through a DIFAT chain that loops
  put32(difat, 0x4C + 4, 0xFFFFFFFF);
  put32(difat, 0x44, 2);
  put32(difat, 0x48, 1);
  CHECK(!openError(difat).empty());
  CHECK(openError(good.substr(0, 700)).find("directory") == std::string::npos);  // some error, a clear one
  CHECK(!openError(good.substr(0, 700)).empty());

  std::string loop = good;
  put32(loop, 512 + 3 * 4, 2);  // sector 3 points back to sector 2
  auto looped = CompoundFile::open(loop);
  REQUIRE(looped.ok());
  auto read = looped.value().read(*looped.value().find("Workbook"), 1 << 20);
  REQUIRE(!read.ok());
  CHECK(read.error().message.find("loop in the FAT") != std::string::npos);

  std::string dirLoop = good;
  put32(dirLoop, 1024 + 128 + 0x48, 1);  // the stream is its own right sibling
  put32(dirLoop, 1024 + 0x4C, 0);        // the root is its own child
  auto cyclic = CompoundFile::open(dirLoop);
  REQUIRE(cyclic.ok());
  CHECK(cyclic.value().entries().size() == 1);

  auto truncated = CompoundFile::open(good.substr(0, good.size() - 1500));
  REQUIRE(truncated.ok());
  CHECK(!truncated.value().read(*truncated.value().find("Workbook"), 1 << 20).ok());
  // Every prefix and a byte flipped at every offset of the header, FAT and directory: no crash.
  for (std::size_t n = 0; n < good.size(); n += 7) (void)CompoundFile::open(good.substr(0, n));
  for (std::size_t at = 0; at < 1536; ++at) {
    std::string flipped = good;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x5A);
    std::vector<NotInspected> skipped;
    Extractor({}).extract(
        flipped, [](const std::string&, std::string_view, PartKind) {}, skipped);
  }
}

TEST_CASE("compressed RTF: the example of [MS-OXRTFCP] and the stored form") {
  const std::string compressed(
      "\x2d\x00\x00\x00\x2b\x00\x00\x00\x4c\x5a\x46\x75\xf1\xc5\xc7\xa7\x03\x00\x0a\x00\x72\x63\x70\x67\x31\x32"
      "\x35\x42\x32\x0a\xf3\x20\x68\x65\x6c\x09\x00\x20\x62\x77\x05\xb0\x6c\x64\x7d\x0a\x80\x0f\xa0",
      49);
  auto rtf = decompressRtf(compressed, 1 << 20);
  REQUIRE(rtf.ok());
  CHECK(rtf.value() == "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
  const std::string stored = std::string("\x10\x00\x00\x00\x04\x00\x00\x00MELA\x00\x00\x00\x00", 16) + "{\\rt";
  CHECK(decompressRtf(stored, 100).value() == "{\\rt");
  CHECK(!decompressRtf("short", 100).ok());
  CHECK(decompressRtf(compressed, 10).value().size() == 10);
}

TEST_CASE("PowerPoint: comments in a binary tag's data are read; an encrypted presentation says so") {
  const auto atom = [](std::uint16_t verInstance, std::uint16_t type, const std::string& body) {
    std::string r(8, '\0');
    put16(r, 0, verInstance);
    put16(r, 2, type);
    put32(r, 4, static_cast<std::uint32_t>(body.size()));
    return r + body;
  };
  const std::string slide = atom(0x0000, 0x0FA0, u16(u"計画"));
  // ProgTags > ProgBinaryTag > BinaryTagDataBlob (an atom by its header) > Comment10Container > CString.
  const std::string comment = atom(0x000F, 0x2EE0, atom(0x0010, 0x0FBA, u16(u"社外秘")));
  const std::string tag = atom(0x000F, 0x1388, atom(0x000F, 0x138A, atom(0x0000, 0x138B, comment)));
  const auto plain = pptText(slide + tag, 1 << 20);
  CHECK_FALSE(plain.encrypted);
  CHECK(plain.text == "計画\n社外秘\n");
  // A tag's data that is no records stops its own walk only.
  CHECK(pptText(atom(0x0000, 0x138B, "\x01\x02\x03\x04\xFF\xFF\xFF\x7F") + slide, 1 << 20).text == "計画\n");
  const auto locked = pptText(slide + atom(0x000F, 0x2F14, atom(0x0000, 0x2F15, std::string(16, 'k'))), 1 << 20);
  CHECK(locked.encrypted);
  CHECK(locked.text.empty());
}

TEST_CASE("a file dropped into a document (OLE Package, Ole10Native) is a nested file under its own name") {
  const auto native = [](const std::string& label, const std::string& data) {
    std::string body = std::string("\x02\x00", 2) + label + '\0' + "C:\\Users\\a\\" + label + '\0';
    std::string sizes(8, '\0');
    put32(sizes, 0, 0x00030000);
    const std::string temp = "C:\\Temp\\" + label + '\0';
    put32(sizes, 4, static_cast<std::uint32_t>(temp.size()));
    std::string length(4, '\0');
    put32(length, 0, static_cast<std::uint32_t>(data.size()));
    body += sizes + temp + length + data;
    std::string total(4, '\0');
    put32(total, 0, static_cast<std::uint32_t>(body.size()));
    return total + body;
  };
  const auto file = oleNativeFile(native("memo.txt", "Strictly Confidential"));
  CHECK(file.name == "memo.txt");
  CHECK(file.data == "Strictly Confidential");
  // A label that is not printable ASCII (the writer's code page) gets a neutral name; '!' is no name.
  CHECK(oleNativeFile(native("\x8B\xC9\x94\xE9.txt", "x")).name == "embedded-file");
  CHECK(oleNativeFile(native("a!b", "x")).name == "embedded-file");
  // Hostile: sizes past the end are bounded by the stream, never read beyond it.
  std::string lying = native("memo.txt", "data");
  put32(lying, lying.size() - 8, 0x7FFFFFFF);  // the data's size
  const auto bounded = oleNativeFile(lying);
  CHECK(bounded.name == "Ole10Native");  // read as another OLE 1.0 object: the bytes after the size
  CHECK(bounded.data.size() == lying.size() - 4);
  std::string huge = native("memo.txt", "data");
  put32(huge, 0, 0xFFFFFFFF);
  CHECK(oleNativeFile(huge).data == "data");
  CHECK(oleNativeFile("\x01\x00").data.empty());
  CHECK(oleNativeFile(std::string("\x02\x00\x00\x00\x02\x00no-nul", 12)).name == "Ole10Native");

  // Through the extractor: a compound file that is only the object (a .docx's oleObject1.bin).
  const std::string object = compoundFile("\x01Ole10Native", native("memo.txt", "Strictly Confidential"));
  std::vector<std::string> seen;
  std::vector<NotInspected> skipped;
  Extractor({}).extract(
      object, [&](const std::string& location, std::string_view, PartKind) { seen.push_back(location); }, skipped);
  CHECK(std::find(seen.begin(), seen.end(), "memo.txt") != seen.end());
  CHECK(skipped.empty());
}
