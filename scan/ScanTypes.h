#pragma once
// What a scan reports about one file. Never the content itself: names of rules and detectors, counts,
// where inside the file (container path) and the file's SHA-256.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::scan {

// kFingerprint: a registered document found in the file (docs/decisions/0032); its name is
// "SET:DOCUMENT_ID" and its count the containment in percent (how much of the document is there).
// kEdm: rows of a registered table found in the file (docs/decisions/0034); its name is
// "SET:TYPE+TYPE" (the column types that found them) and its count the number of rows.
enum class HitKind { kRule, kDetector, kFingerprint, kEdm };

// "rule", "detector", "fingerprint", "edm" (result formats and events).
inline const char* hitKindName(HitKind kind) {
  switch (kind) {
    case HitKind::kRule: return "rule";
    case HitKind::kDetector: return "detector";
    case HitKind::kFingerprint: return "fingerprint";
    case HitKind::kEdm: return "edm";
  }
  return "rule";
}

// A container path one step deeper: parent and a member's name joined by '!' ("plan.docx!word/document.xml",
// "mail.eml!a.zip!sheet.xlsx"). The name is the container's (an archive member, an attachment's decoded
// file name), so a '!' in it becomes '_': a member named "a.zip!社外秘.xlsx" must not read as a file
// inside a.zip.
inline std::string memberLocation(const std::string& parent, std::string_view name) {
  std::string step(name);
  std::replace(step.begin(), step.end(), '!', '_');
  return parent.empty() ? step : parent + "!" + step;
}

struct Hit {
  std::string location;  // "" = the file itself, else the member path inside it: "plan.docx!word/document.xml"
  HitKind kind = HitKind::kRule;
  std::string name;  // "rule_set:rule" for YARA, "credit_card" / "my_number" for detectors
  std::int64_t count = 0;
};

// Something that was not looked at, and why (encrypted, corrupt, zip bomb, too large, unreadable).
struct NotInspected {
  std::string location;  // "" = the whole file, else the member inside it
  std::string reason;
  // What the scanner decides on (a timed-out part makes the result uncacheable). Not kept in the scan
  // cache: a result with a timed-out part is never stored there.
  common::ErrorKind kind = common::ErrorKind::kOther;
};

struct FileResult {
  std::string path;
  std::string sha256;  // filled when the file has hits or not-inspected parts (the ones reported)
  std::int64_t size = 0;
  std::vector<Hit> hits;
  std::vector<NotInspected> notInspected;
  bool fromCache = false;
  bool cacheable = true;  // false when a reason may not hold next time (unreadable now, time budget)

  bool reportable() const { return !hits.empty() || !notInspected.empty(); }
};

// Limits on what one file may expand to (policy content_scan.archive, plus a memory cap).
struct ExtractionLimits {
  std::int64_t maxDepth = 3;
  std::int64_t maxMembers = 10'000;
  std::int64_t maxTotalBytes = 1LL << 30;  // inflated bytes per top-level file, nested archives included
  std::int64_t maxRatio = 100;
  std::int64_t memoryCapBytes = 256LL << 20;  // largest single inflated member held in memory
};

}  // namespace mamori::scan
