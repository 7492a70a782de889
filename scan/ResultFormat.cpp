#include "scan/ResultFormat.h"

#include <cstdio>

#include "common/JsonText.h"
#include "common/Utf8.h"

namespace mamori::scan {

std::string jsonString(std::string_view text) {
  const bool utf8 = common::isValidUtf8(text);
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || (!utf8 && c >= 0x80)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return common::json::escapeLineControls(out);  // no C1 control raw on the terminal
}

std::string containerPath(const std::string& path, const std::string& location) {
  return location.empty() ? path : path + "!" + location;
}

std::string resultJson(const FileResult& result) {
  std::string out = "{\"path\":" + jsonString(result.path);
  out += ",\"sha256\":" + jsonString(result.sha256);
  out += ",\"size\":" + std::to_string(result.size);
  out += std::string(",\"cached\":") + (result.fromCache ? "true" : "false");
  out += ",\"matches\":[";
  bool first = true;
  for (const auto& hit : result.hits) {
    if (!first) out += ",";
    first = false;
    out += std::string("{\"type\":\"") + hitKindName(hit.kind) + "\"";
    out += ",\"name\":" + jsonString(hit.name) + ",\"count\":" + std::to_string(hit.count);
    out += ",\"container_path\":" + jsonString(containerPath(result.path, hit.location)) + "}";
  }
  out += "],\"not_inspected\":[";
  first = true;
  for (const auto& skip : result.notInspected) {
    if (!first) out += ",";
    first = false;
    out += "{\"container_path\":" + jsonString(containerPath(result.path, skip.location));
    out += ",\"reason\":" + jsonString(skip.reason) + "}";
  }
  out += "]}";
  return out;
}

std::string resultText(const FileResult& result) {
  // A file or member name is anybody's choice ("a\n/etc/shadow: rule ..." or an escape sequence):
  // each line goes through visibleText, so one finding stays one line and nothing acts on the terminal.
  std::string out;
  for (const auto& hit : result.hits) {
    std::string line = result.path + ": " + hitKindName(hit.kind) + " " + hit.name +
                       (hit.kind == HitKind::kFingerprint ? " " + std::to_string(hit.count) + "% of the document"
                        : hit.kind == HitKind::kEdm       ? " " + std::to_string(hit.count) + " rows"
                                                          : " x" + std::to_string(hit.count));
    if (!hit.location.empty()) line += " in " + containerPath(result.path, hit.location);
    out += common::visibleText(line) + "\n";
  }
  for (const auto& skip : result.notInspected) {
    out += common::visibleText(containerPath(result.path, skip.location) + ": not inspected: " + skip.reason) + "\n";
  }
  return out;
}

std::string summaryJson(const ScanSummary& s) {
  return "{\"summary\":{\"files\":" + std::to_string(s.files) + ",\"files_read\":" + std::to_string(s.filesRead) +
         ",\"cache_hits\":" + std::to_string(s.cacheHits) + ",\"bytes_read\":" + std::to_string(s.bytesRead) +
         ",\"files_with_matches\":" + std::to_string(s.filesWithHits) +
         ",\"files_not_inspected\":" + std::to_string(s.notInspected) +
         ",\"elapsed_ms\":" + std::to_string(s.elapsedMs) + "}}";
}

}  // namespace mamori::scan
