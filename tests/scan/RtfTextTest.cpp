// RTF as word processors write it, read back as the text a person sees.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scan/DocText.h"
#include "scan/Extractor.h"
#include "scan/OleDocument.h"
#include "scan/RtfText.h"

using mamori::scan::eqFieldText;
using mamori::scan::rtfText;

namespace {
std::string text(const std::string& rtf) { return rtfText(rtf, 1 << 20).text; }
}  // namespace

TEST_CASE("RTF: Japanese in a Shift_JIS font of a Western document (\\'hh bytes, \\fcharset128)") {
  const std::string rtf =
      "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}{\\f1\\fnil\\fcharset128 MS "
      "Mincho;}}{\\colortbl;\\red0\\green0\\blue0;}\\f1 \\'8e\\'d0\\'8a\\'4f\\'94\\'e9\\f0  plan caf\\'e9\\par}";
  CHECK(text(rtf) == "社外秘 plan café\n");
}

TEST_CASE("RTF: a double-byte character whose trail byte is written as ASCII (\\'8aO, \\'83\\\\)") {
  const std::string rtf =
      "{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f1\\fcharset128 MS Mincho;}}\\f1 \\'8e\\'d0\\'8aO\\'94\\'e9 "
      "\\'83\\\\\\'83\\'74\\'83\\'67 OK\\par}";
  CHECK(text(rtf) == "社外秘 ソフト OK\n");
}

TEST_CASE("RTF: \\uN characters with their fallbacks skipped, surrogate pairs joined (as LibreOffice writes)") {
  const std::string rtf =
      "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0\\froman\\fprq2\\fcharset0 Liberation Serif;}}{\\*\\generator "
      "LibreOffice/7.4}\\uc1 \\u31038\\'3f\\u22806\\'3f\\u31192\\'3f\\par\\uc2 \\u-10179??\\u-8942??x\\par}";
  CHECK(text(rtf) == "社外秘\n\xF0\x9F\x94\x92x\n");
}

TEST_CASE("RTF: a Japanese document in code page 932") {
  const std::string rtf =
      "{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0\\fnil\\fcharset128 MS Gothic;}}\\f0 "
      "\\'83\\'7d\\'83\\'43\\'83\\'69\\'83\\'93\\'83\\'6f\\'81\\'5b 1234 5678 9012\\par}";
  CHECK(text(rtf) == "マイナンバー 1234 5678 9012\n");
}

TEST_CASE("RTF: what a reader does not see is left out, what is on the page stays") {
  const std::string rtf =
      "{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}{\\stylesheet{\\s0 Normal;}}{\\info{\\title Quarterly plan}}"
      "{\\header header-secret\\par}"
      "{\\*\\themedata 0102abcdef}{\\pict\\pngblip 89504e470d0a1a0a}"
      "{\\field{\\*\\fldinst HYPERLINK \"http://x.example/\"}{\\fldrslt link text}}\\par "
      "\\intbl A1\\cell B1\\cell\\row "
      "12{\\b 34} 56\\bin4 \\'00{}78\\par}";
  const std::string got = text(rtf);
  CHECK(got.find("Quarterly plan") != std::string::npos);  // document properties may carry a marking
  CHECK(got.find("header-secret") != std::string::npos);
  CHECK(got.find("link text") != std::string::npos);
  CHECK(got.find("HYPERLINK") == std::string::npos);
  CHECK(got.find("Arial") == std::string::npos);
  CHECK(got.find("Normal") == std::string::npos);
  CHECK(got.find("0102abcdef") == std::string::npos);
  CHECK(got.find("89504e47") == std::string::npos);
  CHECK(got.find("A1\tB1\t\n") != std::string::npos);
  CHECK(got.find("1234 5678") != std::string::npos);  // split by formatting, joined again; \bin data skipped
}

TEST_CASE("RTF: hostile input is bounded and never crashes") {
  CHECK(text("{\\rtf1 \\'") == "");
  CHECK(text("{\\rtf1 \\'4") == "");
  CHECK(text("{\\rtf1 \\u") == "");
  CHECK(text("{\\rtf1 \\bin999999999999 x}") == "");
  CHECK(text(std::string("{\\rtf1 ") + std::string(100000, '{') + "deep" + std::string(100000, '}')) == "deep");
  CHECK(text("}}}}{\\rtf1 a}}}}b") == "ab");
  const auto capped = rtfText("{\\rtf1 " + std::string(5000, 'x') + "}", 100);
  CHECK(capped.text.size() <= 100);
  REQUIRE(capped.problems.size() == 1);
  CHECK(capped.problems[0].find("cut at 100") != std::string::npos);
  CHECK(text("{\\rtf1\\uc99999 \\u65 bcd}e}") == "Ae");  // \uc is bounded (8); a group end ends the fallback
}

TEST_CASE("RTF: the extractor reads an .rtf file's text, whatever its name") {
  mamori::scan::ExtractionLimits limits;
  mamori::scan::Extractor extractor(limits);
  std::vector<std::string> texts;
  std::vector<mamori::scan::NotInspected> notInspected;
  extractor.extract(
      "{\\rtf1\\ansi\\uc1 \\u31038?\\u22806?\\u31192?}",
      [&](const std::string&, std::string_view data, mamori::scan::PartKind kind) {
        if (kind == mamori::scan::PartKind::kText) texts.emplace_back(data);
      },
      notInspected);
  REQUIRE(texts.size() == 1);
  CHECK(texts[0] == "社外秘");
  CHECK(notInspected.empty());
}

TEST_CASE("RTF: footnotes and annotations LibreOffice marks ignorable ({\\*\\footnote}) are read") {
  const std::string rtf =
      "{\\rtf1\\ansi 売上{\\super \\chftn{\\*\\footnote \\chftn\\pard\\plain "
      "\\u26997\\'3f\\u31192\\'3f}}\\par{\\*\\annotation note-text}{\\*\\bkmkstart x}}";
  const std::string got = text(rtf);
  CHECK(got.find("極秘") != std::string::npos);
  CHECK(got.find("note-text") != std::string::npos);
}

TEST_CASE("RTF: text boxes and shapes ({\\*\\shpinst ... {\\shptxt}}, WordArt's gtextUNICODE) are read once") {
  // As LibreOffice writes a text box, with Word's fallback drawing ({\shprslt}) beside it.
  const std::string rtf =
      "{\\rtf1\\ansi 本文{\\shp{\\*\\shpinst\\shpleft3118{\\sp{\\sn shapeType}{\\sv 202}}"
      "{\\sp{\\sn wzName}{\\sv Box 1}}{\\shptxt \\pard{\\dbch \\u26997\\'3f\\u31192\\'3f} box\\par}}"
      "{\\shprslt{\\*\\do\\dobxcolumn{\\dptxbx{\\dptxbxtext fallback}}}}"
      "{\\shprslt\\pard{\\dbch \\u26997\\'3f\\u31192\\'3f} box\\par}}"
      "{\\shp{\\*\\shpinst{\\sp{\\sn gtextUNICODE}{\\sv \\u37096\\'3f\\u22806\\'3f\\u31192\\'3f}}"
      "{\\sp{\\sn gtextFont}{\\sv DejaVu}}}}\\par}";
  const std::string got = text(rtf);
  CHECK(got.find("極秘 box") != std::string::npos);
  CHECK(got.find("極秘 box") == got.rfind("極秘 box"));  // the fallback repeating the box: dropped
  CHECK(got.find("部外秘") != std::string::npos);
  for (const char* hidden : {"202", "Box 1", "fallback", "DejaVu", "shapeType"}) {
    CAPTURE(hidden);
    CHECK(got.find(hidden) == std::string::npos);
  }
  // Text only a fallback holds (a reader without shapes shows it) is read: nothing hides there.
  const std::string onlyThere =
      text("{\\rtf1{\\shp{\\*\\shpinst{\\shptxt box\\par}}{\\shprslt \\u31038\\'3f\\u22806\\'3f\\u31192\\'3f}}}");
  CHECK(onlyThere.find("box") != std::string::npos);
  CHECK(onlyThere.find("社外秘") != std::string::npos);
  CHECK(text("{\\rtf1{\\shprslt never closed").find("never closed") != std::string::npos);
  // A property name longer than any real one is cut, never a reason to read its value.
  CHECK(text("{\\rtf1{\\sp{\\sn " + std::string(5000, 'g') + "gtextUNICODE}{\\sv secret}}}").find("secret") ==
        std::string::npos);
}

TEST_CASE("ruby (furigana): an EQ field's base text is read, the reading above it and other instructions are not") {
  CHECK(eqFieldText(R"( EQ \* jc3 \* "Font:IPAGothic" \* hps12 \o\al(\s\up 10(しゃがいひ),社外秘))") == "社外秘");
  CHECK(eqFieldText(R"(eq \o\ad(\s\up 9(ひ);秘))") == "秘");
  CHECK(eqFieldText(R"(EQ \o(\s\up 9(a),b\s\do(c)d))") == "bcd");
  CHECK(eqFieldText(R"(EQ \f(1,2))").empty());
  CHECK(eqFieldText(R"(HYPERLINK "https://example.com/社外秘")").empty());
  CHECK(eqFieldText(R"(EQUATION \o(a,b))").empty());
  CHECK(eqFieldText(R"(EQ \o(a,b)").empty() == false);  // unclosed: what there is
  CHECK(eqFieldText("EQ \\o((((((").empty());
  // Word writes ruby per character group: the bases join into the word.
  const std::string rtf =
      "{\\rtf1\\ansi doc {\\field{\\*\\fldinst { EQ \\\\* jc3 \\\\o\\\\al(\\\\s\\\\up 10(\\u12375\\'3f\\u12419\\'3f),"
      "\\u31038\\'3f)}}{\\fldrslt {}}}{\\field{\\*\\fldinst EQ \\\\o\\\\al(\\\\s\\\\up "
      "10(x),\\u22806\\'3f\\u31192\\'3f)}"
      "{\\fldrslt }}{\\field{\\*\\fldinst HYPERLINK \"https://example.com/\"}{\\fldrslt link}}\\par}";
  CHECK(text(rtf) == "doc 社外秘link\n");
}

TEST_CASE("RTF: embedded objects' data ({\\*\\objdata}) is returned, not text; a Package's file is a nested file") {
  const auto hex = [](const std::string& bytes) {
    std::string out;
    for (const char c : bytes) {
      static constexpr char kDigits[] = "0123456789abcdef";
      out += kDigits[(static_cast<unsigned char>(c) >> 4U) & 0xFU];
      out += kDigits[static_cast<unsigned char>(c) & 0xFU];
    }
    return out;
  };
  const auto le32 = [](std::size_t v) {
    return std::string{static_cast<char>(v & 0xFFU), static_cast<char>((v >> 8U) & 0xFFU),
                       static_cast<char>((v >> 16U) & 0xFFU), static_cast<char>((v >> 24U) & 0xFFU)};
  };
  // An OLE 1.0 Package object: header (version, embedded), class "Package", empty topic and item, then
  // the native data: the dropped file's label, paths and bytes.
  const std::string file = "Strictly Confidential";
  const std::string temp = std::string("C:\\t\\memo.txt") + '\0';
  const std::string native = std::string("\x02\x00", 2) + "memo.txt" + '\0' + "C:\\memo.txt" + '\0' + le32(0x00030000) +
                             le32(temp.size()) + temp + le32(file.size()) + file;
  const std::string ole1 = le32(0x0501) + le32(2) + le32(8) + std::string("Package") + '\0' + le32(0) + le32(0) +
                           le32(native.size()) + native;
  const std::string digits = hex(ole1);
  const std::string rtf = "{\\rtf1\\ansi body {\\object\\objemb{\\*\\objclass Package}{\\*\\objdata\r\n" +
                          digits.substr(0, 64) + "\r\n" + digits.substr(64) +
                          "}{\\result {\\pict 0102}}} {\\object{\\*\\objdata \\bin4 abcd}} end}";
  const auto result = rtfText(rtf, 1 << 20);
  CHECK(result.text == "body   end");
  REQUIRE(result.objects.size() == 2);
  CHECK(result.objects[0] == ole1);
  CHECK(result.objects[1] == "abcd");
  const auto object = mamori::scan::ole1Object(result.objects[0]);
  CHECK(object.className == "Package");
  CHECK(object.native == native);
  CHECK(mamori::scan::oleNativeFile(object.sizedNative).name == "memo.txt");
  CHECK(mamori::scan::ole1Object("abcd").native.empty());                           // not an embedded object
  CHECK(mamori::scan::ole1Object(ole1.substr(0, ole1.size() - 1)).native.empty());  // cut short
  // Bounded by maxText over every object.
  const auto capped = rtfText(rtf, 100);
  CHECK(capped.objects.size() <= 1);
  CHECK_FALSE(capped.problems.empty());

  mamori::scan::Extractor extractor({});
  std::vector<std::string> seen;
  std::vector<mamori::scan::NotInspected> notInspected;
  extractor.extract(
      rtf,
      [&](const std::string& location, std::string_view data, mamori::scan::PartKind) {
        seen.push_back(location + "=" + std::string(data));
      },
      notInspected);
  CHECK(std::find(seen.begin(), seen.end(), "memo.txt=" + file) != seen.end());
  CHECK(notInspected.empty());
}
