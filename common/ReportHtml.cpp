#include "common/ReportHtml.h"

#include "common/JsonText.h"
#include "common/Utf8.h"

namespace mamori::common {

namespace {

constexpr std::string_view kDoctype = "<!DOCTYPE html>\n<!-- mamori-inspection report -->";
constexpr std::string_view kEmbedOpen = "<script type=\"application/json\" id=\"mamori-signed-report\">";
constexpr std::string_view kEmbedClose = "</script>";

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#fafafa;line-height:1.4}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.badges span{display:inline-block;padding:.2rem .6rem;margin:.1rem;border-radius:1rem;font-weight:600}
.critical{background:#b00020;color:#fff}.high{background:#e65100;color:#fff}.medium{background:#f9a825}.low{background:#cfd8dc}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
td.path,td.why{word-break:break-all}ul{margin:0;padding-left:1.1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;background:#fff;padding:.5rem}dt{font-weight:600}dd{margin:0;word-break:break-all}
.warn{background:#fff3cd;padding:.5rem;border-left:4px solid #f9a825}
@media (max-width:640px){table,thead,tbody,tr,th,td{display:block}thead{display:none}tr{margin:0 0 .8rem;border:1px solid #ccc}td{border:none;border-bottom:1px solid #eee}
td::before{content:attr(data-label);display:block;font-size:.75rem;color:#555;font-weight:600}dl{grid-template-columns:1fr}}
)";

// How a value from the report is written into the page: HTML-escaped, and (since this addition) with
// control, invisible and direction-changing characters as visible markers (common::visibleText): a
// file named "invoice<U+202E>fdp.exe" must not read as "invoiceexe.pdf" to the staff. Pages made
// before it escaped only; ReportSigning still accepts them (renderHtmlEscapedOnly).
using Shown = std::string (*)(std::string_view);
std::string escapeVisible(std::string_view text);

std::string text(const common::JsonValue* value) {
  if (value == nullptr) return "";
  switch (value->kind) {
    case common::JsonKind::kString:
    case common::JsonKind::kNumber: return value->text;
    case common::JsonKind::kBool: return value->boolean ? "yes" : "no";
    case common::JsonKind::kArray: {
      std::string out;
      for (const auto& item : value->items) out += (out.empty() ? "" : ", ") + text(&item);
      return out;
    }
    default: return "";
  }
}

std::string field(const common::JsonValue& object, std::string_view key) { return text(object.find(key)); }

const common::JsonValue& orEmpty(const common::JsonValue* value) {
  static const common::JsonValue kEmpty;
  return value != nullptr ? *value : kEmpty;
}

// Only the four known names become a CSS class; anything else in an edited report is shown as text.
std::string severityClass(const std::string& severity) {
  if (severity == "critical" || severity == "high" || severity == "medium" || severity == "low") return severity;
  return "low";
}

void cell(std::string& out, std::string_view label, const std::string& content, std::string_view cls = {}) {
  out += "<td data-label=\"";
  out += label;
  out += '"';
  if (!cls.empty()) {
    out += " class=\"";
    out += cls;
    out += '"';
  }
  out += '>';
  out += content;
  out += "</td>";
}

void findingsTable(std::string& out, const common::JsonValue& findings, Shown shown) {
  out += "<h2>Findings</h2>\n";
  if (findings.items.empty()) {
    out += "<p id=\"no-findings\">Nothing found.</p>\n";
    return;
  }
  out +=
      "<table id=\"findings\"><thead><tr><th>Severity</th><th>What</th><th>Where</th><th>Why it matched</th>"
      "<th>Decision</th></tr></thead><tbody>\n";
  for (const auto& f : findings.items) {
    const std::string severity = field(f, "severity");
    out += "<tr data-id=\"" + shown(field(f, "id")) + "\">";
    cell(out, "Severity", "<span class=\"" + severityClass(severity) + "\">" + shown(severity) + "</span>");
    cell(out, "What", shown(field(f, "kind")));
    std::string where = shown(field(f, "path"));
    if (const auto* sha = f.find("sha256")) where += "<br><small>sha256 " + shown(text(sha)) + "</small>";
    if (const auto* pid = f.find("pid")) where += "<br><small>pid " + shown(text(pid)) + "</small>";
    cell(out, "Where", where, "path");
    std::string why = "<ul>";
    for (const auto& reason : orEmpty(f.find("reasons")).items) why += "<li>" + shown(text(&reason)) + "</li>";
    why += "</ul>";
    cell(out, "Why it matched", why, "why");
    std::string decision = shown(field(f, "decision"));
    if (const std::string outcome = field(f, "outcome"); !outcome.empty()) decision += "<br>" + shown(outcome);
    cell(out, "Decision", decision);
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
}

void notInspectedTable(std::string& out, const common::JsonValue& items, Shown shown) {
  out += "<h2>Not inspected</h2>\n";
  if (items.items.empty()) {
    out += "<p>Everything in scope could be read.</p>\n";
    return;
  }
  out += "<table id=\"not-inspected\"><thead><tr><th>Where</th><th>Why not</th></tr></thead><tbody>\n";
  for (const auto& n : items.items) {
    out += "<tr>";
    cell(out, "Where", shown(field(n, "path")), "path");
    cell(out, "Why not", shown(field(n, "reason")), "why");
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
}

}  // namespace

std::string escapeHtml(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string escapeVisible(std::string_view text) { return escapeHtml(visibleText(text)); }

// How the signed JSON is embedded: since stop 35 with the line controls JSON writers leave raw (C1,
// U+2028, U+2029) as \u escapes, as in the .json file, so `cat report.html` on a terminal cannot take
// a name's U+009B for CSI. Pages made before embedded it raw; ReportSigning accepts both.
enum class Embedded { kControlsEscaped, kRaw };

std::string render(const common::JsonValue& doc, Shown shown, Embedded embedded) {
  const auto& report = orEmpty(doc.find("report"));
  const auto& signature = orEmpty(doc.find("signature"));
  const auto& run = orEmpty(report.find("run"));
  const auto& summary = orEmpty(report.find("summary"));
  std::string out(kDoctype);
  out +=
      "\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  out += "<title>mamori inspection: " + shown(field(run, "host")) + "</title><style>";
  out += kStyle;
  out += "</style></head><body>\n";
  out += "<h1>Inspection of " + shown(field(run, "host")) + "</h1>\n";
  out += "<p>" + shown(field(run, "started")) + " to " + shown(field(run, "finished")) + ", user " +
         shown(field(run, "user")) + (field(run, "as_root") == "yes" ? " (as root)" : "") + "</p>\n";
  if (field(run, "interrupted") == "yes")
    out += "<p class=\"warn\">The inspection was stopped before it finished: this report is partial.</p>\n";
  if (field(run, "dry_run") == "yes") out += "<p class=\"warn\">Dry run: nothing was deleted or moved.</p>\n";
  // Which registered documents and customer tables the files were matched against: "nothing found"
  // means little to a reader who cannot see that no set was used. Reports made before run.sets
  // existed (docs/decisions/0048) have no such member and render as they did, so their pages still
  // verify (ReportSigning re-renders the page).
  if (const auto* sets = run.find("sets"); sets != nullptr && sets->items.empty()) {
    out +=
        "<p id=\"sets\">Company documents and customer tables: none checked (the policy names no fingerprint or "
        "exact-data-match set).</p>\n";
  } else if (sets != nullptr) {
    out += "<p id=\"sets\">Company documents and customer tables checked:</p><ul id=\"set-list\">";
    for (const auto& set : sets->items) out += "<li>" + shown(text(&set)) + "</li>";
    out += "</ul>\n";
  }
  out += "<p class=\"badges\" id=\"summary\">";
  for (const char* s : {"critical", "high", "medium", "low"}) {
    out += "<span class=\"" + std::string(s) + "\">" + s + " " + shown(field(summary, s)) + "</span>";
  }
  out += "</p>\n";
  findingsTable(out, orEmpty(report.find("findings")), shown);
  notInspectedTable(out, orEmpty(report.find("not_inspected")), shown);
  const auto& notes = orEmpty(report.find("notes"));
  if (!notes.items.empty()) {
    out += "<h2>Notes</h2><ul>";
    for (const auto& n : notes.items) out += "<li>" + shown(text(&n)) + "</li>";
    out += "</ul>\n";
  }
  out += "<h2>Run</h2><dl id=\"run\">";
  for (const auto& m : run.members) out += "<dt>" + shown(m.key) + "</dt><dd>" + shown(text(&m.value)) + "</dd>";
  out +=
      "</dl>\n<h2>Signature</h2><p>Ed25519, key " + shown(field(signature, "key_id")) +
      ". Check this page with <code>mamori-inspect verify FILE</code>; any edit of the page or its data fails.</p>\n";
  out += kEmbedOpen;
  const std::string json = json::write(doc, json::Style::kHtmlSafe);
  out += embedded == Embedded::kControlsEscaped ? json::escapeLineControls(json) : json;
  out += kEmbedClose;
  out += "\n</body></html>\n";
  return out;
}

}  // namespace

std::string renderHtml(const common::JsonValue& doc) { return render(doc, escapeVisible, Embedded::kControlsEscaped); }

std::string renderHtmlEscapedOnly(const common::JsonValue& doc) { return render(doc, escapeHtml, Embedded::kRaw); }

bool isRenderingOf(const common::JsonValue& doc, std::string_view page) {
  return renderHtml(doc) == page || render(doc, escapeVisible, Embedded::kRaw) == page ||
         renderHtmlEscapedOnly(doc) == page;
}

bool isHtmlReport(std::string_view text) { return text.substr(0, kDoctype.size()) == kDoctype; }

common::Result<std::string_view> embeddedJson(std::string_view html) {
  const auto open = html.find(kEmbedOpen);
  if (open == std::string_view::npos) return common::makeError("the page holds no signed report");
  const auto start = open + kEmbedOpen.size();
  const auto close = html.find(kEmbedClose, start);
  if (close == std::string_view::npos) return common::makeError("the embedded report does not end");
  return html.substr(start, close - start);
}

}  // namespace mamori::common
