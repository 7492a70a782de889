// The pure parsers, tested with strings: text decoding, XML text, PDF content streams, zip.
#include <zlib.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/Gzip.h"
#include "scan/Extractor.h"
#include "scan/FileType.h"
#include "scan/PdfCMap.h"
#include "scan/PdfText.h"
#include "scan/TextDecoder.h"
#include "scan/XmlText.h"
#include "scan/ZipReader.h"

using namespace mamori::scan;

namespace {
// 社外秘 in each encoding, written as bytes.
constexpr const char* kUtf8 = "\xE7\xA4\xBE\xE5\xA4\x96\xE7\xA7\x98";
constexpr const char* kSjis = "\x8E\xD0\x8A\x4F\x94\xE9";
constexpr const char* kEuc = "\xBC\xD2\xB3\xB0\xC8\xEB";

void putLe(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
}

// A zip of one deflated member "m.xml" whose headers claim declaredSize (the truth or a lie).
std::string deflatedZip(const std::string& content, std::uint32_t declaredSize) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string packed(deflateBound(&z, content.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content.data()));  // NOLINT: zlib is not const
  z.avail_in = static_cast<uInt>(content.size());
  z.next_out = reinterpret_cast<Bytef*>(packed.data());  // NOLINT: byte buffer
  z.avail_out = static_cast<uInt>(packed.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  packed.resize(z.total_out);
  deflateEnd(&z);
  const std::string name = "m.xml";
  auto sizes = [&](std::string& out) {
    putLe(out, 0, 4);  // CRC-32: not checked by the reader
    putLe(out, static_cast<std::uint32_t>(packed.size()), 4);
    putLe(out, declaredSize, 4);
    putLe(out, static_cast<std::uint32_t>(name.size()), 2);
    putLe(out, 0, 2);
  };
  std::string zip;
  putLe(zip, 0x04034b50, 4);
  putLe(zip, 20, 2), putLe(zip, 0, 2), putLe(zip, 8, 2), putLe(zip, 0, 4);
  sizes(zip);
  zip += name + packed;
  const auto directoryAt = static_cast<std::uint32_t>(zip.size());
  putLe(zip, 0x02014b50, 4);
  putLe(zip, 20, 2), putLe(zip, 20, 2), putLe(zip, 0, 2), putLe(zip, 8, 2), putLe(zip, 0, 4);
  sizes(zip);
  putLe(zip, 0, 2), putLe(zip, 0, 2), putLe(zip, 0, 2), putLe(zip, 0, 4), putLe(zip, 0, 4);
  zip += name;
  const auto directorySize = static_cast<std::uint32_t>(zip.size()) - directoryAt;
  putLe(zip, 0x06054b50, 4);
  putLe(zip, 0, 4), putLe(zip, 1, 2), putLe(zip, 1, 2), putLe(zip, directorySize, 4), putLe(zip, directoryAt, 4);
  putLe(zip, 0, 2);
  return zip;
}

// Every part the extractor hands over, as "location=data", and what it could not read.
std::vector<std::string> partsOf(std::string_view data, std::vector<NotInspected>& skipped) {
  std::vector<std::string> seen;
  Extractor(ExtractionLimits{})
      .extract(
          data,
          [&](const std::string& location, std::string_view part, PartKind) {
            seen.push_back(location + "=" + std::string(part));
          },
          skipped);
  return seen;
}

// What the extractor could not read of data under these limits.
std::vector<NotInspected> notInspectedUnder(const ExtractionLimits& limits, std::string_view data) {
  std::vector<NotInspected> skipped;
  Extractor(limits).extract(
      data, [](const std::string&, std::string_view, PartKind) {}, skipped);
  return skipped;
}
}  // namespace

TEST_CASE("encodings are recognised and transcoded to UTF-8") {
  CHECK(detectEncoding("plain ascii") == TextEncoding::kUtf8);
  CHECK(detectEncoding(kUtf8) == TextEncoding::kUtf8);
  CHECK(detectEncoding(std::string("memo ") + kSjis + " end") == TextEncoding::kShiftJis);
  CHECK(detectEncoding(std::string("memo ") + kEuc + " end") == TextEncoding::kEucJp);
  CHECK(decodeToUtf8(std::string("memo ") + kSjis) == std::string("memo ") + kUtf8);
  CHECK(decodeToUtf8(std::string("memo ") + kEuc) == std::string("memo ") + kUtf8);
  const std::string le("\xFF\xFE\x3E\x79\x16\x59\xD8\x79", 8);
  CHECK(decodeToUtf8(le) == kUtf8);
  const std::string beNoBom("\x79\x3E\x59\x16\x79\xD8\x30\x6E\x8C\xC7\x65\x99\x30\x67\x30\x59",
                            16);  // 社外秘の資料です
  CHECK(detectEncoding(beNoBom) == TextEncoding::kUtf16Be);
  const std::string asciiLe("a\0b\0c\0d\0e\0f\0", 12);
  CHECK(detectEncoding(asciiLe) == TextEncoding::kUtf16Le);
  CHECK_FALSE(decodeToUtf8(kUtf8).has_value());  // already UTF-8: nothing to do
  CHECK(detectEncoding(std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16)) == TextEncoding::kUnknown);
  // An invalid byte becomes U+FFFD rather than ending the text.
  CHECK(transcodeToUtf8("a\x81", TextEncoding::kShiftJis) == "a\xEF\xBF\xBD");
}

TEST_CASE("UTF-16LE runs inside binary data") {
  const std::string data("\x01\x00\x3E\x79\x16\x59\xD8\x79\x00\x00\xFF\xFF\x01\x00", 14);
  // The other byte alignment may yield a few characters of noise; the text itself must be there.
  CHECK(utf16leRuns(data, 3).find(kUtf8) != std::string::npos);
  CHECK(utf16leRuns(data, 4).find(kUtf8) == std::string::npos);
}

TEST_CASE("XML text joins runs and separates paragraphs") {
  CHECK(xmlText("<w:p><w:r><w:t>社</w:t></w:r><w:r><w:t>外秘</w:t></w:r></w:p><w:p><w:t>x</w:t></w:p>") ==
        "社外秘\nx\n");
  CHECK(xmlText("<si><t>A&amp;B &#x793E;&#22806;</t></si>") == "A&B 社外\n");
  // A shared-string cell's value is an index into sharedStrings.xml, not text; other cells' values are.
  CHECK(xmlText(R"(<row><c r="A1" s="2" t="s"><v>12</v></c><c r="B1"><v>4111111111111111</v></c></row>)") ==
        "\n\n4111111111111111\n\n\n");
  CHECK(xmlText(R"(<c t='s'><v>123456</v></c><c t="s"><v>1234567</v></c><c t="str"><v>7</v></c>)") ==
        "\n\n1234567\n\n7\n\n");
  CHECK(xmlText(R"(<c t="s"><v>1&amp;2</v><v>3</v></c><v>4</v>)") == "1&2\n\n\n4\n");
  CHECK(xmlText("<text:p>a<text:s/>b<!-- <text:p>no</text:p> --></text:p>") == "a b\n");
  // Runs of text longer than one 16-byte block, with the markup at every offset of a block.
  for (std::size_t before = 0; before < 40; ++before) {
    const std::string run(before, 'x');
    CAPTURE(before);
    CHECK(xmlText("<p>" + run + "</p>") == run + "\n");
    CHECK(xmlText("<p>" + run + "&amp;" + run + "</p>") == run + "&" + run + "\n");
    CHECK(xmlText(run) == run);
    CHECK(xmlText(run + "<") == run);
  }
  CHECK(xmlText("<t><![CDATA[<raw>]]></t>") == "<raw>");
  // A Word text box is written twice (mc:Choice and a VML mc:Fallback): its text is read once.
  const std::string box = "<w:txbxContent><w:p><w:r><w:t>社外秘</w:t></w:r></w:p></w:txbxContent>";
  CHECK(xmlText("<w:p><mc:AlternateContent><mc:Choice Requires=\"wps\"><wp:align>top</wp:align><wps:txbx>" + box +
                "</wps:txbx></mc:Choice><mc:Fallback><w:pict><v:textbox>" + box +
                "</v:textbox></w:pict></mc:Fallback></mc:AlternateContent><w:t>after</w:t></w:p>") ==
        "top社外秘\nafter\n");
  // Text a fallback holds and its choice does not is read (a reader may show it): nothing is hidden
  // there, also not by a fallback that never ends or an empty choice.
  CHECK(xmlText("<mc:AlternateContent><mc:Choice><w:t>a</w:t></mc:Choice><mc:Fallback><w:t>社外秘</w:t>"
                "</mc:Fallback></mc:AlternateContent>") == "a社外秘");
  CHECK(xmlText("<mc:AlternateContent><mc:Choice/><mc:Fallback><w:t>x</w:t></mc:Fallback>"
                "</mc:AlternateContent>") == "x");
  CHECK(xmlText("<mc:Fallback>never closed <w:t>x</w:t>") == "never closed x");
  CHECK(xmlText("<mc:AlternateContent><mc:Choice>x</mc:Choice><mc:Fallback>x") == "xx");
  CHECK(xmlText("<mc:Fallback/><w:t>kept</w:t><mc:Fallbacks>y</mc:Fallbacks>") == "kepty");
  // Nested: each fallback is compared with its own choice.
  CHECK(xmlText("<mc:AlternateContent><mc:Choice>a<mc:AlternateContent><mc:Choice>b</mc:Choice><mc:Fallback>b"
                "</mc:Fallback></mc:AlternateContent></mc:Choice><mc:Fallback>ab</mc:Fallback>"
                "</mc:AlternateContent>c") == "abc");
  // Deeper than the eight levels followed: kept whole.
  std::string deep;
  for (int d = 0; d < 9; ++d) deep += "<mc:AlternateContent>";
  deep += "<mc:Choice>z</mc:Choice><mc:Fallback>z</mc:Fallback>";
  CHECK(xmlText(deep) == "zz");
  CHECK(xmlText("<unclosed attr='1'") == "");
  // An entity's ';' is looked for in the next 13 bytes only; a longer name is a plain '&'.
  CHECK(xmlText("<p>a&abcdefghijkl;b</p>") == "a&abcdefghijkl;b\n");
  CHECK(xmlText("<p>a&abcdefghijklm;b</p>") == "a&abcdefghijklm;b\n");
  CHECK(xmlText("<p>&#0;&#xD800;&#65536;&#1;</p>") == "\xEF\xBF\xBD\xEF\xBF\xBD\xF0\x90\x80\x80\x01\n");
  // In place: the text over the XML's own bytes (never longer), the same as xmlText.
  for (const std::string& xml :
       {std::string("<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">社外秘</w:t></w:r></w:p>"),
        std::string("<p>&#0;&#x10000;&amp;</p><br/><text:s/>"),
        std::string("<c t=\"s\"><v>12</v></c><![CDATA[x]]><!-- y -->")}) {
    CAPTURE(xml);
    std::string buffer = xml;
    buffer.resize(xmlTextInPlace(buffer.data(), buffer.size()));
    CHECK(buffer == xmlText(xml));
  }
}

TEST_CASE("PDF content streams: Tj, TJ arrays, escapes and hex strings") {
  CHECK(contentStreamText("BT (Hello) Tj ET") == "Hello\n");
  CHECK(contentStreamText("BT [(Confi) -120 (dential)] TJ ET") == "Confidential\n");
  CHECK(contentStreamText("BT (a\\(b\\)\\101) Tj <4344> Tj ET") == "a(b)ACD\n");
  CHECK(contentStreamText("/F1 12 Tf 1 0 0 1 5 5 Tm") == "");
  // Vertical writing as LibreOffice exports it: one character a string, each one line lower at the
  // same x: a column is one line. Lines of horizontal text starting at the same x stay lines.
  CHECK(contentStreamText("BT 1 0 0 1 528.1 775.9 Tm /F1 10.5 Tf (a)Tj 1 0 0 1 528.1 765.4 Tm <62>Tj "
                          "1 0 0 1 528.1 754.9 Tm (c)Tj 1 0 0 1 510 775.9 Tm (d)Tj 1 0 0 1 510 765.4 Tm (e)Tj ET") ==
        "abc\nde\n");
  CHECK(contentStreamText("BT /F1 10.5 Tf 1 0 0 1 56.7 775.9 Tm (Line one)Tj 1 0 0 1 56.7 763.4 Tm (x)Tj "
                          "1 0 0 1 56.7 751 Tm (4)Tj 1 0 0 1 56.7 700 Tm (1)Tj ET") == "Line one\nx4\n1\n");
}

TEST_CASE("a PDF with a FlateDecode content stream") {
  // Built the way make_fixtures.py builds it, but the stream stays uncompressed here.
  const std::string pdf = "%PDF-1.4\n4 0 obj\n<< /Length 20 >>\nstream\nBT (Secret) Tj ET\nendstream\nendobj\n";
  const auto result = pdfText(pdf, 1 << 20);
  CHECK(result.text == "Secret\n");
  CHECK(result.problems.empty());
  CHECK(pdfText("%PDF-1.4 trailer << /Encrypt 5 0 R >>", 1 << 20).encrypted);
  // A comment's text (an annotation's /Contents) is read; a page's /Contents reference is not text.
  const std::string annotated =
      "%PDF-1.4\n3 0 obj << /Type/Page /Contents 4 0 R /Annots [5 0 R] >> endobj\n"
      "5 0 obj << /Type/Annot /Subtype/Text /Contents <FEFF793E591679D8> >> endobj\n"
      "6 0 obj << /Subtype/Text /Contents (Do Not Distribute\\051) >> endobj\n"
      "7 0 obj << /Contents <<>> /Contents";
  CHECK(pdfText(annotated, 1 << 20).text == "社外秘\nDo Not Distribute)\n");
  CHECK(pdfText(annotated, 10).text == "社外秘\n");  // bounded: what fits
  CHECK(sniffFileType(pdf) == FileType::kPdf);
}

TEST_CASE("PDF: attached files are nested files under their names; an attachment holding endstream ends at /Length") {
  // As poppler's pdfattach writes one (a plain stream a file specification names) and as Acrobat does
  // (/Type /EmbeddedFile, FlateDecode, its subtype "octet-stream" holding the word "stream").
  const std::string inner = "%PDF-1.4\n4 0 obj\n<< /Length 30 >>\nstream\nBT (Company Confidential) Tj ET\nendstream\n";
  const std::string note = "Strictly Confidential";
  std::string packed(compressBound(note.size()), '\0');
  uLongf packedSize = packed.size();
  REQUIRE(compress(reinterpret_cast<Bytef*>(packed.data()), &packedSize, reinterpret_cast<const Bytef*>(note.data()),
                   note.size()) == Z_OK);
  packed.resize(packedSize);
  const std::string pdf =
      "%PDF-1.7\n1 0 obj\n<</Type/Catalog /Names <</EmbeddedFiles <</Names [(a) 7 0 R (b) 9 0 R]>> >> >>\nendobj\n"
      "6 0 obj\n<</Length " +
      std::to_string(inner.size()) + " /Params <</Size 1>> >>\nstream\n" + inner +
      "\nendstream\nendobj\n7 0 obj\n<</Type /Filespec /F (old.pdf) /UF <FEFF7D50002E007000640066> /EF <</F 6 0 R>> "
      ">>\n"
      "endobj\n8 0 obj\n<</Type /EmbeddedFile /Subtype /application#2Foctet-stream /Filter /FlateDecode /Length " +
      std::to_string(packed.size()) + ">>\nstream\n" + packed +
      "\nendstream\nendobj\n"
      "9 0 obj\n<</Type /Filespec /F (C:\\\\dir\\\\a!b.txt) /EF <</F 8 0 R /UF 8 0 R>> >>\nendobj\n";
  const auto result = pdfText(pdf, 1 << 20);
  REQUIRE(result.attachments.size() == 2);
  CHECK(result.attachments[0].name == "結.pdf");
  CHECK(result.attachments[0].data == inner);
  CHECK(result.attachments[1].name == "a_b.txt");
  CHECK(result.attachments[1].data == note);
  CHECK(result.text.find("Company") == std::string::npos);  // the attached PDF's page is not this one's
  CHECK(pdfText(pdf, 40).attachments.size() < 2);           // bounded by the budget

  std::vector<NotInspected> skipped;
  const auto seen = partsOf(pdf, skipped);
  CHECK(std::find(seen.begin(), seen.end(), "結.pdf=Company Confidential\n") != seen.end());
  CHECK(std::find(seen.begin(), seen.end(), "a_b.txt=" + note) != seen.end());
  CHECK(skipped.empty());
  // Past the nesting limit an attachment is said, not opened.
  ExtractionLimits shallow;
  shallow.maxDepth = 0;
  const auto deep = notInspectedUnder(shallow, pdf);
  REQUIRE(deep.size() == 2);
  CHECK(deep[0].reason.find("max_depth") != std::string::npos);
}

TEST_CASE("PDF: a word in pieces with different fonts is joined through each font's CMap; table cells stay apart") {
  // As LibreOffice writes it: one text object per font change at the same height, each font with its own
  // ToUnicode CMap where the same code means different characters; the resources are an indirect object.
  const auto cmap = [](const std::string& pairs, int n) {
    return "begincmap 1 begincodespacerange <00> <FF> endcodespacerange " + std::to_string(n) + " beginbfchar " +
           pairs + " endbfchar endcmap";
  };
  const std::string f1 = cmap("<01> <0043> <02> <004F> <03> <0034> <04> <0031>", 4);  // C O 4 1
  const std::string f2 = cmap("<01> <004E> <02> <0046> <03> <0049> <04> <0044>", 4);  // N F I D
  const std::string content =
      "BT 56.8 773.9 Td /F1 12 Tf [<01>2<02>]TJ ET BT 70.1 773.9 Td /F2 12 Tf <01020304>Tj ET "
      "BT 56.8 700 Td /F1 12 Tf <04>Tj ET BT 297.7 700 Td /F1 12 Tf <0304>Tj ET";
  const auto stream = [](int number, const std::string& body) {
    return std::to_string(number) + " 0 obj\n<</Length " + std::to_string(body.size()) + ">>\nstream\n" + body +
           "\nendstream\nendobj\n";
  };
  const std::string pdf = "%PDF-1.4\n" + stream(8, f1) + stream(18, f2) +
                          "9 0 obj <</Type/Font/Subtype/TrueType/ToUnicode 8 0 R >> endobj\n"
                          "19 0 obj <</Type/Font/Subtype/TrueType/ToUnicode 18 0 R >> endobj\n"
                          "20 0 obj <</F1 9 0 R/F2 19 0 R >> endobj\n21 0 obj <</Font 20 0 R >> endobj\n" +
                          stream(2, content);
  const auto result = pdfText(pdf, 1 << 20);
  CHECK(result.text.find("CONFID\n1\t41\n") != std::string::npos);
}

TEST_CASE("ToUnicode CMaps decode CID-font text") {
  const auto cmap = PdfCMap::parse(
      "begincmap 1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
      "2 beginbfchar <0A1F> <793E> <0B22> <5916> endbfchar\n"
      "1 beginbfrange <0300> <0302> <79D8> endbfrange\n"
      "1 beginbfrange <0400> <0401> [<0041> <D83DDE00>] endbfrange endcmap");
  REQUIRE(cmap.has_value());
  CHECK(cmap->decode(std::string("\x0A\x1F\x0B\x22\x03\x00", 6)) == "社外秘");
  CHECK(cmap->decode(std::string("\x03\x02\x04\x00\x04\x01\x09\x09", 8)) ==
        "\xE7\xA7\x9A"
        "A\xF0\x9F\x98\x80");
  CHECK_FALSE(PdfCMap::parse("BT (x) Tj ET").has_value());
}

TEST_CASE("zip reader refuses garbage and truncation with reasons") {
  CHECK_FALSE(readZipDirectory("").ok());
  CHECK_FALSE(readZipDirectory(std::string(100, 'x')).ok());
  // An end record pointing its directory past itself.
  std::string end("PK\x05\x06\0\0\0\0\x01\0\x01\0\x2E\0\0\0\0\0\0\0\0\0", 22);
  auto dir = readZipDirectory(end);
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().message.find("corrupt zip") != std::string::npos);
}

// A zip of stored members (name, bytes), as a packager that does not compress would write it.
std::string storedZip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string zip;
  std::string directory;
  for (const auto& [name, data] : members) {
    const auto offset = static_cast<std::uint32_t>(zip.size());
    auto common = [&, &name = name, &data = data](std::string& out) {
      putLe(out, 20, 2), putLe(out, 0, 2), putLe(out, 0, 2), putLe(out, 0, 4);
      putLe(out, 0, 4);  // CRC-32: not checked by the reader
      putLe(out, static_cast<std::uint32_t>(data.size()), 4);
      putLe(out, static_cast<std::uint32_t>(data.size()), 4);
      putLe(out, static_cast<std::uint32_t>(name.size()), 2);
      putLe(out, 0, 2);
    };
    putLe(zip, 0x04034b50, 4);
    common(zip);
    zip += name + data;
    putLe(directory, 0x02014b50, 4);
    putLe(directory, 20, 2);
    common(directory);
    putLe(directory, 0, 2), putLe(directory, 0, 2), putLe(directory, 0, 2), putLe(directory, 0, 4);
    putLe(directory, offset, 4);
    directory += name;
  }
  const auto directoryAt = static_cast<std::uint32_t>(zip.size());
  zip += directory;
  putLe(zip, 0x06054b50, 4);
  putLe(zip, 0, 2), putLe(zip, 0, 2);
  putLe(zip, static_cast<std::uint32_t>(members.size()), 2), putLe(zip, static_cast<std::uint32_t>(members.size()), 2);
  putLe(zip, static_cast<std::uint32_t>(directory.size()), 4), putLe(zip, directoryAt, 4), putLe(zip, 0, 2);
  return zip;
}

TEST_CASE("an OOXML package's formatting parts are not read; every part that can hold text is") {
  const std::string docx = storedZip({
      {"[Content_Types].xml", "<Types/>"},
      {"_rels/.rels", "<Relationships/>"},
      {"word/document.xml", "<w:p><w:t>body</w:t></w:p>"},
      {"word/header1.xml", "<w:p><w:t>header</w:t></w:p>"},
      {"word/styles.xml", "<w:styles><w:t>styles</w:t></w:styles>"},
      {"word/settings.xml", "<w:settings>settings</w:settings>"},
      {"word/fontTable.xml", "<w:fonts>fonts</w:fonts>"},
      {"word/theme/theme1.xml", "<a:theme>theme</a:theme>"},
      {"word/theme/sub/other.xml", "<x>nested</x>"},
      {"docProps/core.xml", "<dc:title>title</dc:title>"},
      {"customXml/item1.xml", "<x>custom</x>"},
  });
  std::vector<std::string> seen;
  std::vector<NotInspected> skipped;
  Extractor(ExtractionLimits{})
      .extract(
          docx,
          [&](const std::string& location, std::string_view data, PartKind kind) {
            if (kind == PartKind::kText) seen.push_back(location + "=" + std::string(data));
          },
          skipped);
  CHECK(skipped.empty());
  const std::vector<std::string> expected{"word/document.xml=body\n", "word/header1.xml=header\n",
                                          "word/theme/sub/other.xml=nested", "docProps/core.xml=title",
                                          "customXml/item1.xml=custom"};
  CHECK(seen == expected);
}

TEST_CASE("extraction of a stored zip member, nested limits") {
  // A zip with one stored member "a.txt" = "hi" (python3 zipfile, ZIP_STORED, 1980-01-01).
  const std::string zip(
      "\x50\x4B\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\xAC\x2A"
      "\x93\xD8\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x00\x00\x61\x2E"
      "\x74\x78\x74\x68\x69\x50\x4B\x01\x02\x14\x03\x14\x00\x00\x00\x00"
      "\x00\x00\x00\x21\x00\xAC\x2A\x93\xD8\x02\x00\x00\x00\x02\x00\x00"
      "\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00"
      "\x00\x00\x00\x61\x2E\x74\x78\x74\x50\x4B\x05\x06\x00\x00\x00\x00"
      "\x01\x00\x01\x00\x33\x00\x00\x00\x25\x00\x00\x00\x00\x00",
      110);
  std::vector<NotInspected> skipped;
  std::vector<std::string> seen = partsOf(zip, skipped);
  CHECK_MESSAGE(skipped.empty(), (skipped.empty() ? "" : skipped[0].reason));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == "a.txt=hi");
  // max_members 0 refuses it, with the reason.
  ExtractionLimits tight;
  tight.maxMembers = 0;
  seen.clear();
  Extractor(tight).extract(
      zip, [&](const std::string& l, std::string_view, PartKind) { seen.push_back(l); }, skipped);
  CHECK(seen.empty());
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].reason.find("max_members") != std::string::npos);
}

TEST_CASE("a member named with the container path separator '!' cannot pass for a nested member") {
  // A stored zip whose one member is named "a.zip!b.txt" = "hi" (python3 zipfile, ZIP_STORED, 1980-01-01):
  // its path read "a.zip!b.txt", as if b.txt were inside an a.zip.
  const std::string zip(
      "\x50\x4B\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\xAC\x2A"
      "\x93\xD8\x02\x00\x00\x00\x02\x00\x00\x00\x0B\x00\x00\x00\x61\x2E"
      "\x7A\x69\x70\x21\x62\x2E\x74\x78\x74\x68\x69\x50\x4B\x01\x02\x14"
      "\x03\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\xAC\x2A\x93\xD8\x02"
      "\x00\x00\x00\x02\x00\x00\x00\x0B\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x80\x01\x00\x00\x00\x00\x61\x2E\x7A\x69\x70\x21\x62"
      "\x2E\x74\x78\x74\x50\x4B\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00"
      "\x39\x00\x00\x00\x2B\x00\x00\x00\x00\x00",
      122);
  std::vector<NotInspected> skipped;
  std::vector<std::string> seen = partsOf(zip, skipped);
  CHECK(skipped.empty());
  CHECK(seen == std::vector<std::string>{"a.zip_b.txt=hi"});
  CHECK(memberLocation("", "x!y") == "x_y");
  CHECK(memberLocation("mail.eml", "a.zip") == "mail.eml!a.zip");
  CHECK(memberLocation("mail.eml!a.zip", "社外秘!.xlsx") == "mail.eml!a.zip!社外秘_.xlsx");
}

TEST_CASE("a deflated member reads the same whether its header tells the truth or lies about its size") {
  // The one-call inflate (libdeflate) needs the true size; any other header goes through zlib.
  std::string content;
  for (int i = 0; content.size() < 200000; ++i) content += "<w:t>row " + std::to_string(i * 7919 % 10007) + "</w:t>";
  const auto size = static_cast<std::uint32_t>(content.size());
  for (const std::uint32_t declared : {size, size - 1, size / 3, size + 1, size * 2, 0U}) {
    CAPTURE(declared);
    const std::string zip = deflatedZip(content, declared);
    auto directory = readZipDirectory(zip);
    REQUIRE(directory.ok());
    REQUIRE(directory.value().size() == 1);
    auto member = readZipMember(zip, directory.value()[0], 1U << 24U);
    REQUIRE(member.ok());
    CHECK(member.value() == content);
    // Bounded as before: more than maxBytes is refused, whatever the header says.
    auto bounded = readZipMember(zip, directory.value()[0], size - 1);
    REQUIRE_FALSE(bounded.ok());
    CHECK(bounded.error().kind == mamori::common::ErrorKind::kTooLarge);
    // Into a reused buffer (larger than the member, holding older bytes): the same bytes and errors.
    std::string scratch(size + 100, 'z');
    auto into = readZipMemberInto(zip, directory.value()[0], 1U << 24U, scratch);
    REQUIRE(into.ok());
    CHECK(into.value() == content);
    CHECK(into.value().data() == scratch.data());
    std::string empty;
    auto grown = readZipMemberInto(zip, directory.value()[0], 1U << 24U, empty);
    REQUIRE(grown.ok());
    CHECK(grown.value() == content);
    auto boundedInto = readZipMemberInto(zip, directory.value()[0], size - 1, scratch);
    REQUIRE_FALSE(boundedInto.ok());
    CHECK(boundedInto.error().kind == mamori::common::ErrorKind::kTooLarge);
  }
  // Damaged data (a block of the reserved type 3): the same error as zlib gives.
  std::string zip = deflatedZip(content, size);
  zip[35] = 0x07;  // the stream's first byte, after the 30-byte local header and "m.xml"
  auto directory = readZipDirectory(zip);
  REQUIRE(directory.ok());
  auto damaged = readZipMember(zip, directory.value()[0], 1U << 24U);
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.error().kind == mamori::common::ErrorKind::kCorrupt);
  CHECK(damaged.error().message.find("corrupt zip member") == 0);
}

TEST_CASE("extraction failures carry their kind: limits are too large, damage is corrupt") {
  std::string end("PK\x05\x06\0\0\0\0\x01\0\x01\0\x2E\0\0\0\0\0\0\0\0\0", 22);
  auto dir = readZipDirectory(end);
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().kind == mamori::common::ErrorKind::kCorrupt);
  const std::string zeros(std::size_t{1} << 20U, '\0');
  const std::string packed = mamori::common::gzipCompress(zeros, 9);
  auto bounded = inflateBounded(packed, 15 + 16, 4096);
  REQUIRE_FALSE(bounded.ok());
  CHECK(bounded.error().kind == mamori::common::ErrorKind::kTooLarge);
  auto truncated = inflateBounded(packed.substr(0, packed.size() / 2), 15 + 16, zeros.size());
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().kind == mamori::common::ErrorKind::kCorrupt);

  // Through the extractor: the reason a person reads, the kind the scanner decides on.
  ExtractionLimits tight;
  tight.memoryCapBytes = 1024;
  std::vector<NotInspected> skipped = notInspectedUnder(tight, packed);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].reason.find("extraction memory cap") != std::string::npos);
  CHECK(skipped[0].kind == mamori::common::ErrorKind::kTooLarge);
  skipped.clear();
  Extractor(ExtractionLimits{})
      .extract(
          packed.substr(0, packed.size() / 2), [](const std::string&, std::string_view, PartKind) {}, skipped);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].reason.find("corrupt gzip") == 0);
  CHECK(skipped[0].kind == mamori::common::ErrorKind::kCorrupt);
}
