// The e-mail reader (scan/MailReader) with messages written as strings: header decoding (RFC 2047,
// RFC 2231), transfer encodings, multipart nesting and its limit, mbox splitting, and what is not mail.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scan/Extractor.h"
#include "scan/MailReader.h"
#include "scan/TextDecoder.h"
#include "scan/TnefReader.h"

using namespace mamori::scan;

namespace {

struct Read {
  std::vector<MailPart> parts;
  std::vector<std::string> problems;
};

Read read(const std::string& message, std::size_t maxParts = 100) {
  Read r;
  readMail(
      message, maxParts,
      [&](MailPart&& part) {
        r.parts.push_back(std::move(part));
        return true;
      },
      r.problems);
  return r;
}

const MailPart* named(const Read& r, const std::string& name) {
  for (const auto& p : r.parts)
    if (p.name == name) return &p;
  return nullptr;
}

// 社外秘 in UTF-8.
constexpr char kMark[] = "\xE7\xA4\xBE\xE5\xA4\x96\xE7\xA7\x98";

}  // namespace

TEST_CASE("RFC 2047 encoded words: B and Q, ISO-2022-JP, adjacent words joined") {
  // ISO-2022-JP: ESC $ B + JIS X 0208 for 社外秘 (<R30Hk) + ESC ( B, base64.
  CHECK(decodeEncodedWords("=?ISO-2022-JP?B?GyRCPFIzMEhrGyhC?=") == kMark);
  CHECK(decodeEncodedWords("Re: =?utf-8?q?=E7=A4=BE=E5=A4=96_x?= end") == "Re: \xE7\xA4\xBE\xE5\xA4\x96 x end");
  // A UTF-8 character split across two words (as some mailers do) still decodes; the space between
  // the words is not text.
  CHECK(decodeEncodedWords("=?UTF-8?B?56S+5aSW56c=?= =?UTF-8?B?mA==?=") == kMark);
  // Not encoded words: kept as written.
  CHECK(decodeEncodedWords("a =? b ?= c") == "a =? b ?= c");
  CHECK(decodeEncodedWords("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");
  CHECK(decodeEncodedWords("=?utf-8?b?") == "=?utf-8?b?");
}

TEST_CASE("transfer encodings are lenient") {
  CHECK(decodeBase64("5Y+W5omx\r\n5rOo5oSP") == "\xE5\x8F\x96\xE6\x89\xB1\xE6\xB3\xA8\xE6\x84\x8F");
  CHECK(decodeBase64("aGk=!!garbage after padding") == "hi");
  CHECK(decodeBase64("a G\tk") == "hi");
  CHECK(decodeQuotedPrintable("a=3Db=\r\nc=\nd", false) == "a=bcd");
  CHECK(decodeQuotedPrintable("50=% =ZZ end=", false) == "50=% =ZZ end=");
  CHECK(decodeQuotedPrintable("a_b", true) == "a b");
}

TEST_CASE("multipart: bodies, attachments by RFC 2231 and RFC 2047 names, nesting") {
  const std::string message =
      "From: a@example.com\r\nDate: Mon, 7 Dec 2026 09:00:00 +0900\r\nSubject: =?UTF-8?B?56S+5aSW56eY?=\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=outer-alt\r\n\r\n"
      "--outer-alt\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1B$B<R30Hk\x1B(B\r\n"
      "--outer-alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "<p>=E7=A4=BE<b>=E5=A4=96</b>&#31192;</p><td>1</td><td>2</td>\r\n--outer-alt--\r\n"
      "--outer\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
      " filename*0*=UTF-8''%E9%A1%A7%E5%AE%A2;\r\n filename*1=\".txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "aGVsbG8=\r\n--outer\r\nContent-Type: application/pdf; name=\"=?ISO-2022-JP?B?GyRCPFIzMEhrGyhC?=.pdf\"\r\n\r\n"
      "%PDF-1.4\r\n--outer--\r\nepilogue\r\n";
  const Read r = read(message);
  CHECK(r.problems.empty());
  REQUIRE(r.parts.size() == 5);
  CHECK(r.parts[0].name == "headers");
  CHECK(r.parts[0].data.find(std::string("subject: ") + kMark) != std::string::npos);
  const MailPart* plain = named(r, "body.txt");
  REQUIRE(plain != nullptr);
  CHECK(plain->text);
  CHECK(plain->data == kMark);
  const MailPart* html = named(r, "body-2.html");
  REQUIRE(html != nullptr);
  CHECK(html->data.find(kMark) != std::string::npos);  // tags between the characters are gone
  CHECK(html->data.find("12") == std::string::npos);   // cells stay apart
  const MailPart* attachment = named(r, "\xE9\xA1\xA7\xE5\xAE\xA2.txt");
  REQUIRE(attachment != nullptr);
  CHECK_FALSE(attachment->text);
  CHECK(attachment->data == "hello");
  const MailPart* pdf = named(r, std::string(kMark) + ".pdf");
  REQUIRE(pdf != nullptr);
  CHECK(pdf->data == "%PDF-1.4");
}

TEST_CASE("hostile messages end with a reason, never a crash") {
  SUBCASE("multipart nested past the limit") {
    std::string message = "From: a\r\nDate: b\r\n";
    for (int i = 0; i < kMaxMimeDepth + 5; ++i)
      message +=
          "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" + std::to_string(i) + "\r\n";
    message += "\r\ntext\r\n";
    const Read r = read(message);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].find("nested deeper") != std::string::npos);
  }
  SUBCASE("more parts than allowed") {
    std::string message = "From: a\r\nDate: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n";
    for (int i = 0; i < 50; ++i) message += "--x\r\nContent-Type: application/octet-stream\r\n\r\ndata\r\n";
    const Read r = read(message, 10);
    CHECK(r.parts.size() == 10);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].find("max_members (10)") != std::string::npos);
  }
  SUBCASE("truncated: no closing delimiter, a header without its body") {
    const Read r =
        read("From: a\r\nDate: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: te");
    CHECK(r.problems.empty());
  }
  SUBCASE("a boundary that prefixes another is not taken for it") {
    const Read r = read(
        "From: a\r\nDate: b\r\nContent-Type: multipart/mixed; "
        "boundary=a\r\n\r\n--a\r\n\r\none\r\n--ab\r\n--a\r\n\r\ntwo\r\n--a--\r\n");
    REQUIRE(r.parts.size() == 3);
    CHECK(r.parts[1].data == "one\r\n--ab");
    CHECK(r.parts[2].data == "two");
  }
  SUBCASE("RFC 2231 sections out of range are ignored") {
    const Read r =
        read("From: a\r\nDate: b\r\nContent-Type: application/x; name*99999=a; name*x=b; name*1=c\r\n\r\nbody");
    REQUIRE(r.parts.size() == 2);
    CHECK(r.parts[1].name == "c");
  }
}

TEST_CASE("what is mail, and mbox files") {
  CHECK(looksLikeMail("From: a@example.com\nDate: Mon, 7 Dec 2026\nSubject: x\n\nbody"));
  CHECK(looksLikeMail("From a@example.com Mon Dec  7 09:00:00 2026\nFrom: a\nMessage-ID: <x>\n\nbody"));
  CHECK_FALSE(looksLikeMail("Subject: notes\nTo: me\n\nno sender"));             // no field mail always has
  CHECK_FALSE(looksLikeMail("From: a@example.com\nDate: today\n"));              // the header block never ends
  CHECK_FALSE(looksLikeMail("Dear customer: hello\nFrom: a\nDate: b\n\nbody"));  // a space in a field name
  CHECK_FALSE(looksLikeMail("meeting notes\n\n"));
  const std::string mbox =
      "From a Mon Dec  7 09:00:00 2026\nFrom: a\nDate: b\n\none\nFrom here on, quoted in the text\n\n"
      "From b Mon Dec  7 09:01:00 2026\r\nFrom: b\r\nDate: c\r\n\r\ntwo\r\n\r\nFrom c Mon\nFrom: c\n\nthree\n";
  const auto messages = splitMbox(mbox);
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].find("From here on") != std::string_view::npos);
  CHECK(messages[1].substr(0, 8) == "From: b\r");
  CHECK(messages[2] == "From: c\n\nthree\n");
}

TEST_CASE("through the extractor: container paths and the policy's limits") {
  const std::string message =
      "From: a\r\nDate: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\n"
      "body text\r\n--x\r\nContent-Type: application/octet-stream; name=big.bin\r\n\r\n" +
      std::string(3000, 'z') + "\r\n--x--\r\n";
  ExtractionLimits limits;
  limits.memoryCapBytes = 2000;
  std::vector<std::string> seen;
  std::vector<NotInspected> skipped;
  Extractor(limits).extract(
      message, [&](const std::string& location, std::string_view, PartKind) { seen.push_back(location); }, skipped);
  CHECK(seen == std::vector<std::string>{"", "headers", "body.txt"});
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].location == "big.bin");
  CHECK(skipped[0].reason.find("memory cap") != std::string::npos);
}

TEST_CASE("an attachment named with '!' by an encoded word cannot pass for a member of another file") {
  // filename*= and =?UTF-8?B?...?= decode to any text: "a.zip!secret.txt" read as secret.txt inside a.zip.
  const std::string message =
      "From: a\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
      "Content-Type: text/plain; name=\"=?UTF-8?B?YS56aXAhc2VjcmV0LnR4dA==?=\"\r\n"
      "Content-Disposition: attachment\r\n\r\nhello\r\n--x--\r\n";
  REQUIRE(named(read(message), "a.zip!secret.txt") != nullptr);  // the reader keeps the exact name
  std::vector<std::string> seen;
  std::vector<NotInspected> skipped;
  Extractor(ExtractionLimits{})
      .extract(
          message, [&](const std::string& location, std::string_view, PartKind) { seen.push_back(location); }, skipped);
  CHECK(std::find(seen.begin(), seen.end(), "a.zip_secret.txt") != seen.end());
  CHECK(std::find(seen.begin(), seen.end(), "a.zip!secret.txt") == seen.end());
}

TEST_CASE("ISO-2022-JP: detected in plain files, named by MIME labels, decoded") {
  const std::string jis = "memo \x1B$B<R30Hk\x1B(B end\n";
  CHECK(detectEncoding(jis) == TextEncoding::kIso2022Jp);
  CHECK(transcodeToUtf8(jis, TextEncoding::kIso2022Jp) == std::string("memo ") + kMark + " end\n");
  CHECK(detectEncoding("plain ASCII, an ESC \x1B[0m colour code") == TextEncoding::kUtf8);
  CHECK(encodingForCharset("ISO-2022-JP") == TextEncoding::kIso2022Jp);
  CHECK(encodingForCharset("x-sjis") == TextEncoding::kShiftJis);
  CHECK(encodingForCharset("Windows-31J") == TextEncoding::kShiftJis);
  CHECK(encodingForCharset("euc-jp") == TextEncoding::kEucJp);
  CHECK(encodingForCharset("US-ASCII") == TextEncoding::kUtf8);
  CHECK(encodingForCharset("iso-8859-1") == TextEncoding::kUnknown);
}

TEST_CASE("winmail.dat (TNEF): subject, bodies and attachments with their long names; hostile streams bounded") {
  const auto le = [](std::uint32_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8U * static_cast<unsigned>(i))) & 0xFFU));
    return out;
  };
  const auto attribute = [&](int level, std::uint32_t id, const std::string& data) {
    return std::string(1, static_cast<char>(level)) + le(id, 4) + le(static_cast<std::uint32_t>(data.size()), 4) +
           data + le(0, 2);
  };
  const auto prop = [&](std::uint16_t type, std::uint16_t id, const std::string& value) {
    return le(type, 2) + le(id, 2) + le(1, 4) + le(static_cast<std::uint32_t>(value.size()), 4) + value +
           std::string((4 - value.size() % 4) % 4, '\0');
  };
  const std::string name16("r\0e\0p\0o\0r\0t\0.\0t\0x\0t\0\0\0", 22);
  const std::string stream =
      le(0x223E9F78, 4) + le(1, 2) + attribute(1, 0x00069007, le(932, 4) + le(0, 4)) +
      attribute(1, 0x00018004, "\x8B\xC9\x94\xE9") +  // 極秘 in Shift_JIS
      attribute(1, 0x00069003,
                le(3, 4) + le(0x0003, 2) + le(0x0E07, 2) + le(1, 4) +  // a PT_LONG, skipped by its size
                    le(0x001F, 2) + le(0x8001, 2) + std::string(16, 'g') + le(1, 4) + le(6, 4) +
                    std::string("n\0a\0m\0", 6) + std::string(2, '\0') + le(1, 4) + le(2, 4) + std::string("x\0", 2) +
                    std::string(2, '\0') +  // a named string
                    prop(0x001E, 0x1000, std::string("Strictly Confidential") + '\0')) +
      attribute(2, 0x00069002, std::string(14, '\0')) + attribute(2, 0x00018010, "REPORT~1.TXT") +
      attribute(2, 0x0006800F, "Do Not Distribute") + attribute(2, 0x00069005, le(1, 4) + prop(0x001F, 0x3707, name16));
  REQUIRE(isTnef(stream));
  const auto result = readTnef(stream, 1 << 20, 64);
  CHECK(result.text == "極秘\nStrictly Confidential\n");
  REQUIRE(result.attachments.size() == 1);
  CHECK(result.attachments[0].name == "report.txt");
  CHECK(result.attachments[0].data == "Do Not Distribute");
  CHECK(result.problems.empty());
  // Through the extractor: the attachment is a nested file under its name.
  std::vector<std::string> seen;
  std::vector<NotInspected> skipped;
  Extractor({}).extract(
      stream, [&](const std::string& location, std::string_view, PartKind) { seen.push_back(location); }, skipped);
  CHECK(std::find(seen.begin(), seen.end(), "report.txt") != seen.end());
  // Hostile: cut short, lengths past the end, property counts far beyond the block, too many attachments.
  const auto cut = readTnef(stream.substr(0, stream.size() - 30), 1 << 20, 64);
  CHECK_FALSE(cut.problems.empty());
  CHECK(readTnef(le(0x223E9F78, 4) + le(1, 2) +
                     attribute(1, 0x00069003, le(0xFFFFFFFF, 4) + le(0x0102, 2) + le(0x1009, 2) + le(0x7FFFFFFF, 4)),
                 1 << 20, 64)
            .text.empty());
  std::string many = le(0x223E9F78, 4) + le(1, 2);
  for (int i = 0; i < 10; ++i) many += attribute(2, 0x00069002, "") + attribute(2, 0x0006800F, "x");
  const auto bounded = readTnef(many, 1 << 20, 4);
  CHECK(bounded.attachments.size() == 4);
  CHECK(bounded.problems.size() == 1);
  CHECK(readTnef(stream, 10, 64).text.size() <= 10);
  CHECK_FALSE(isTnef("\x78\x9F\x3E"));
}
