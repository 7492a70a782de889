#pragma once
// The report as one self-contained HTML page: no external resources (a Content-Security-Policy
// forbids them and any script), every value from the report HTML-escaped, responsive CSS so it reads
// on a phone. The signed JSON is embedded (<script type="application/json">, with '<' '>' '&' as
// \u escapes so no value can close the element), which lets `mamori-inspect verify` check the page.

#include <string>
#include <string_view>

#include "common/JsonValue.h"
#include "common/Result.h"

namespace mamori::common {

// & < > " ' as entities.
std::string escapeHtml(std::string_view text);

// signedDocument: {"report": ..., "signature": ...} (ReportSigning). Deterministic: the same
// document gives the same bytes. Every value is shown through visibleText, then HTML-escaped: a
// direction override or an invisible character in a file name shows as a marker ("<U+202E>").
std::string renderHtml(const common::JsonValue& signedDocument);
// The page as versions before the markers wrote it (HTML-escaped only): the same bytes as renderHtml
// for any report without such characters. ReportSigning accepts either, so older pages still verify.
std::string renderHtmlEscapedOnly(const common::JsonValue& signedDocument);
// Whether page is the page of signedDocument as this version or an earlier one wrote it (renderHtml;
// its embedded JSON with raw line controls, as stop 34 wrote it; renderHtmlEscapedOnly).
bool isRenderingOf(const common::JsonValue& signedDocument, std::string_view page);

bool isHtmlReport(std::string_view text);
// The embedded signed JSON of a page renderHtml wrote.
common::Result<std::string_view> embeddedJson(std::string_view html);

}  // namespace mamori::common
