// The report: severity rules, canonical JSON, HTML escaping of hostile names, signing and verify.

#include <doctest/doctest.h>

#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/ReportHtml.h"
#include "common/ReportSigning.h"
#include "inspect/Findings.h"
#include "inspect/Inspection.h"
#include "inspect/Progress.h"
#include "inspect/ReportJson.h"

using namespace mamori;
using namespace mamori::inspect;
using namespace mamori::common;

namespace {

Report sampleReport(const std::string& hostileName) {
  Report r;
  r.run.host = "pc<1>";
  r.run.user = "taro";
  r.run.startedUtc = "2026-11-23T06:00:00Z";
  r.run.homes = {"/home/taro"};
  r.findings.push_back(makeFinding(FindingKind::kCompanyFileInShare, "/home/taro/P2P/" + hostileName,
                                   {"inside the P2P share/download folder /home/taro/P2P", "rule x:y matched 1x"}));
  r.findings.push_back(
      makeFinding(FindingKind::kP2pInstalled, "/home/taro/Downloads/player", {"yara bittorrent_engine"}));
  r.notInspected.push_back({"/home/taro/locked", "cannot list (Permission denied)"});
  return r;
}

common::JsonValue signedDoc(const Report& r, const common::SigningKey& key) {
  auto doc = common::signReport(reportToJson(r), key);
  REQUIRE(doc.ok());
  auto reparsed = common::parseJsonStrict(common::json::write(doc.value(), common::json::Style::kPretty),
                                          common::reportJsonLimits());
  REQUIRE(reparsed.ok());
  return reparsed.value();
}

}  // namespace

TEST_CASE("severity: a company file in a P2P share folder is the most severe finding") {
  CHECK(severityOf(FindingKind::kCompanyFileInShare) == Severity::kCritical);
  CHECK(severityOf(FindingKind::kCompanyFile) == Severity::kHigh);
  CHECK(severityOf(FindingKind::kP2pRunning) == Severity::kHigh);
  CHECK(severityOf(FindingKind::kP2pInstalled) == Severity::kMedium);
  CHECK(severityOf(FindingKind::kP2pShareFolder) == Severity::kMedium);
  CHECK(severityOf(FindingKind::kP2pClientState) == Severity::kLow);
  const std::vector<std::string> shares = {"/home/taro/P2P", "/srv/share"};
  CHECK(shareContaining("/home/taro/P2P/a/b.docx", shares) != nullptr);
  CHECK(shareContaining("/home/taro/P2P2/b.docx", shares) == nullptr);  // a prefix is not a parent
  CHECK(shareContaining("/home/taro/P2P", shares) == nullptr);
  auto a = makeFinding(FindingKind::kP2pClientState, "/a", {});
  auto b = makeFinding(FindingKind::kCompanyFileInShare, "/z", {});
  CHECK(findingBefore(b, a));
  CHECK(a.id.size() == 12);
  CHECK(makeFinding(FindingKind::kP2pClientState, "/a", {}).id == a.id);  // stable: plans refer to it
  CHECK_FALSE(a.canQuarantine);
  CHECK(a.canDelete);
}

TEST_CASE("JSON: canonical form is independent of member order and formatting; invalid UTF-8 is shown") {
  auto o = common::json::object();
  common::json::set(o, "b", common::json::integer(2));
  common::json::set(o, "a", common::json::string("x\"\\\n<"));
  CHECK(common::json::write(o, common::json::Style::kCanonical) == "{\"a\":\"x\\\"\\\\\\u000a<\",\"b\":2}");
  CHECK(common::json::write(o, common::json::Style::kHtmlSafe) == "{\"a\":\"x\\\"\\\\\\u000a\\u003c\",\"b\":2}");
  auto pretty = common::parseJsonStrict(common::json::write(o, common::json::Style::kPretty));
  REQUIRE(pretty.ok());
  CHECK(common::json::write(pretty.value(), common::json::Style::kCanonical) ==
        common::json::write(o, common::json::Style::kCanonical));
  CHECK(common::json::safeText("ok\xff\xfe名") == "ok\\xff\\xfe名");
}

TEST_CASE("HTML: hostile file names are text, never markup") {
  auto key = common::SigningKey::generate();
  REQUIRE(key.ok());
  for (const std::string hostile : {"<script>alert(1)</script>.docx", "\"><img src=x onerror=alert(1)>.xlsx",
                                    "</script><script>alert(2)</script>", "a&amp;b'\"<!--"}) {
    CAPTURE(hostile);
    const std::string html = common::renderHtml(signedDoc(sampleReport(hostile), key.value()));
    CHECK(html.find("<script>alert") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find(common::escapeHtml(hostile)) != std::string::npos);
    // Exactly one script element: the embedded JSON, which no value can close.
    CHECK(html.find("<script") == html.rfind("<script"));
    CHECK(html.find("</script>") == html.rfind("</script>"));
    CHECK(html.find("id=\"findings\"") != std::string::npos);
    CHECK(html.find("Content-Security-Policy") != std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
  }
  CHECK(common::escapeHtml("<a href='x'>&\"") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
}

TEST_CASE("HTML: a direction override or a control character in a name shows as a marker; older pages verify") {
  auto key = common::SigningKey::generate();
  REQUIRE(key.ok());
  const auto doc = signedDoc(sampleReport("invoice\u202Efdp.exe\u200B\x1b[2J"), key.value());
  const std::string html = common::renderHtml(doc);
  CHECK(html.find("/home/taro/P2P/invoice&lt;U+202E&gt;fdp.exe&lt;U+200B&gt;&lt;U+001B&gt;[2J") != std::string::npos);
  const auto body = html.substr(0, html.find("<script"));  // the embedded JSON keeps the exact name, escaped
  CHECK(body.find("\u202E") == std::string::npos);
  CHECK(body.find("\u200B") == std::string::npos);
  CHECK(body.find('\x1b') == std::string::npos);
  CHECK(common::verifyReportText(html, key.value().publicKey()).ok());
  // A page written before the markers (values HTML-escaped only) still verifies; an edit of it does not.
  const std::string older = common::renderHtmlEscapedOnly(doc);
  CHECK(older != html);
  CHECK(common::verifyReportText(older, key.value().publicKey()).ok());
  std::string edited = older;
  edited.replace(edited.find("invoice"), 7, "invoicf");
  CHECK_FALSE(common::verifyReportText(edited, key.value().publicKey()).ok());
  // Names without such characters give the same page either way.
  const auto plain = signedDoc(sampleReport("plan.docx"), key.value());
  CHECK(common::renderHtml(plain) == common::renderHtmlEscapedOnly(plain));
}

TEST_CASE("HTML: line controls in a name are escaped in the embedded JSON too; stop 34's pages verify") {
  auto key = common::SigningKey::generate();
  REQUIRE(key.ok());
  const auto doc = signedDoc(sampleReport("csi\u009B2Jline\u2028end.docx"), key.value());
  const std::string html = common::renderHtml(doc);
  CHECK(html.find("\u009B") == std::string::npos);  // shown as a marker, escaped in the JSON
  auto embedded = common::embeddedJson(html);
  REQUIRE(embedded.ok());
  CHECK(std::string(embedded.value()).find("\u2028") == std::string::npos);
  CHECK(std::string(embedded.value()).find("\\u009B2Jline\\u2028end") != std::string::npos);
  CHECK(common::verifyReportText(html, key.value().publicKey()).ok());
  // The page as stop 34 wrote it (the same JSON with the controls raw) still verifies; an edit does not.
  std::string older = html;
  for (const auto& [escaped, raw] :
       std::vector<std::pair<std::string, std::string>>{{"\\u009B", "\u009B"}, {"\\u2028", "\u2028"}}) {
    const auto at = older.find(escaped, older.find("<script"));
    REQUIRE(at != std::string::npos);
    older.replace(at, escaped.size(), raw);
  }
  CHECK(common::verifyReportText(older, key.value().publicKey()).ok());
  std::string edited = older;
  edited.replace(edited.find("csi"), 3, "CSI");
  CHECK_FALSE(common::verifyReportText(edited, key.value().publicKey()).ok());
}

TEST_CASE("HTML: the sets the files were matched against are named, or that there were none") {
  auto key = common::SigningKey::generate();
  REQUIRE(key.ok());
  Report r = sampleReport("plan.docx");
  const std::string none = common::renderHtml(signedDoc(r, key.value()));
  CHECK(none.find("<p id=\"sets\">Company documents and customer tables: none checked") != std::string::npos);
  r.run.sets = {"fingerprints memos v3", "edm <customers> v2"};
  const std::string html = common::renderHtml(signedDoc(r, key.value()));
  CHECK(html.find("<ul id=\"set-list\"><li>fingerprints memos v3</li><li>edm &lt;customers&gt; v2</li></ul>") !=
        std::string::npos);
}

TEST_CASE("signing: the report verifies; any one-byte edit of the JSON or the page fails") {
  auto key = common::SigningKey::generate();
  auto other = common::SigningKey::generate();
  REQUIRE(key.ok());
  REQUIRE(other.ok());
  const auto doc = signedDoc(sampleReport("plan.docx"), key.value());
  const std::string jsonText = common::json::write(doc, common::json::Style::kPretty);
  const std::string html = common::renderHtml(doc);
  CHECK(common::verifyReportText(jsonText, key.value().publicKey()).ok());
  CHECK(common::verifyReportText(html, key.value().publicKey()).ok());
  // Signed by another key: refused even though the signature itself is valid.
  auto foreign = common::verifyReportText(jsonText, other.value().publicKey());
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().message.find("not by the trusted key") != std::string::npos);

  // Change one byte inside a value.
  std::string edited = jsonText;
  const auto at = edited.find("\"critical\"");
  REQUIRE(at != std::string::npos);
  edited[at + 2] = 'C';
  CHECK_FALSE(common::verifyReportText(edited, key.value().publicKey()).ok());
  // Every single-byte change anywhere in the page fails: visible part, embedded JSON, signature block.
  int checked = 0;
  for (std::size_t i = 0; i < html.size(); ++i) {
    std::string page = html;
    page[i] = static_cast<char>(page[i] == 'a' ? 'b' : 'a');
    CAPTURE(i);
    CHECK_FALSE(common::verifyReportText(page, key.value().publicKey()).ok());
    ++checked;
  }
  CHECK(checked > 3000);
  // Whitespace in the JSON file does not matter (the signature is over the canonical form).
  CHECK(common::verifyReportText(common::json::write(doc, common::json::Style::kCanonical), key.value().publicKey())
            .ok());
  // Unsigned, or not a report at all.
  CHECK_FALSE(common::verifyReportText("{\"report\":{}}", key.value().publicKey()).ok());
  CHECK_FALSE(common::verifyReportText("not json", key.value().publicKey()).ok());
}

TEST_CASE("progress line: figures, ETA, control characters from file names removed") {
  ProgressFigures f;
  f.files = 50;
  f.totalFiles = 100;
  f.bytes = 1 << 20;
  f.totalBytes = 2 << 20;
  f.seconds = 10;
  f.folder = "/home/taro/\x1b[31mred";
  const auto line = progressLine(f, false, 200);
  CHECK(line.find("50%") != std::string::npos);
  CHECK(line.find("50/100 files") != std::string::npos);
  CHECK(line.find("5 files/s") != std::string::npos);
  CHECK(line.find("ETA 0:10") != std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(progressLine(f, true, 30).size() <= 30);
  // An 8-bit CSI (U+009B), a direction override and bytes that are not UTF-8 show as markers too.
  f.folder =
      "/home/taro/\xC2\x9B"
      "2J\u202Eexe.\xFF";
  CHECK(progressLine(f, false, 200).find("/home/taro/<U+009B>2J<U+202E>exe.<0xFF>") != std::string::npos);
  CHECK(humanBytes(1536) == "1.5 KiB");
}
