#pragma once
// Building and writing the report's JSON (common::JsonValue trees). The canonical form is what the
// signature covers: object members sorted by key (bytewise), no whitespace, strings with only '"',
// '\' and control characters escaped (\u00XX, lower-case hex, except \" and \\), numbers as written.
// Parsing any correct serialisation of a report and writing it canonically gives the same bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/JsonValue.h"

namespace mamori::common::json {

common::JsonValue string(std::string_view text);  // text made valid UTF-8 first (see safeText)
common::JsonValue integer(std::int64_t value);
common::JsonValue boolean(bool value);
common::JsonValue array(std::vector<common::JsonValue> items = {});
common::JsonValue object();
void set(common::JsonValue& object, std::string key, common::JsonValue value);

// Bytes from the inspected PC (file names are not always UTF-8): valid UTF-8 as is, every byte of
// an invalid sequence written as the text "\xNN", so the report stays valid and the name readable.
std::string safeText(std::string_view bytes);

// JSON text with the line controls JSON writers leave raw (common::isLineControl above U+007F: the C1
// controls, U+2028, U+2029) written as \u escapes. They can only stand inside strings, so the value
// read back is the same; a terminal showing the text (mamorictl --json, mamori-scan --json, tail -f of a
// SIEM file) no longer takes U+009B for CSI. Bytes that are not UTF-8 are kept as they are.
std::string escapeLineControls(std::string_view jsonText);

enum class Style {
  kCanonical,  // the signed form
  kPretty,     // two-space indentation, keys sorted: the .json file people read
  kHtmlSafe,   // canonical, and '<', '>', '&' as \u003c \u003e \u0026 (inside an HTML <script>)
};
std::string write(const common::JsonValue& value, Style style);

}  // namespace mamori::common::json
