#pragma once
// How a FileResult is printed by `mamori-agent scan`: one JSON object per line, or a human line per
// finding. Never any of the file's content.

#include <string>

#include "scan/ContentScanner.h"
#include "scan/ScanTypes.h"

namespace mamori::scan {

// {"path":..,"sha256":..,"size":..,"cached":..,"matches":[{"type":"rule"|"detector","name":..,
//  "count":..,"container_path":..}],"not_inspected":[{"container_path":..,"reason":..}]}
std::string resultJson(const FileResult& result);

// "PATH: rule company-confidential:Confidential_JP x2 in PATH!word/document.xml" ... one per line, each
// through common::visibleText (a line break, an escape sequence or invalid UTF-8 in a name shows as a
// marker such as "<U+000A>" or "<0xFF>"); --json keeps the exact bytes.
std::string resultText(const FileResult& result);

std::string summaryJson(const ScanSummary& summary);

// A JSON string literal; bytes that are not UTF-8 are kept as \u00XX (Latin-1) so nothing is lost.
std::string jsonString(std::string_view text);

// "PATH" or "PATH!member" when location is set.
std::string containerPath(const std::string& path, const std::string& location);

}  // namespace mamori::scan
