// Parses content_scan (docs/policy.md#content_scan).
#include <charconv>
#include <set>

#include "policy/FieldReader.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

constexpr std::size_t kMaxRuleSets = 64;

// Rule set names end up in events and YARA namespaces: keep them to a safe alphabet.
bool isSafeName(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

void parseRuleSet(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                  std::vector<YaraRuleSet>& out, std::set<std::string>& names) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  YaraRuleSet set;
  bool ok = false;
  if (const common::JsonValue* name = reader.require("name")) {
    const std::string at = reader.pointerOf("name");
    if (readString(*name, at, errors, set.name, 64)) {
      if (!isSafeName(set.name)) {
        errors.add(at, "expected letters, digits, '_', '-' or '.', found " + common::describeJson(*name));
      } else if (!names.insert(set.name).second) {
        errors.add(at, "duplicate rule set name \"" + set.name + "\"");
      } else {
        ok = true;
      }
    }
  }
  if (const common::JsonValue* source = reader.require("source")) {
    const std::string at = reader.pointerOf("source");
    if (readString(*source, at, errors, set.source, kMaxYaraSourceBytes)) {
      set.rules = compilePolicyYara(set.source, set.name.empty() ? "(unnamed)" : set.name, at, errors);
    }
  }
  if (ok && set.rules) out.push_back(std::move(set));
}

void parseDetector(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                   DetectorSettings& out) {
  ObjectReader reader(value, pointer, errors);
  reader.boolean("enabled", out.enabled);
  reader.integer("min_count", out.minCount, 1, 1'000'000);
}

void parseDetectors(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                    ContentScanSettings& out) {
  ObjectReader reader(value, pointer, errors);
  if (const common::JsonValue* v = reader.get("credit_card"))
    parseDetector(*v, reader.pointerOf("credit_card"), errors, out.creditCard);
  if (const common::JsonValue* v = reader.get("my_number"))
    parseDetector(*v, reader.pointerOf("my_number"), errors, out.myNumber);
}

void parseStartTime(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::int64_t& out) {
  const std::string& t = value.text;
  const auto digit = [&](std::size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (value.kind == common::JsonKind::kString && t.size() == 5 && digit(0) && digit(1) && t[2] == ':' && digit(3) &&
      digit(4)) {
    const int hours = (t[0] - '0') * 10 + (t[1] - '0');
    const int minutes = (t[3] - '0') * 10 + (t[4] - '0');
    if (hours < 24 && minutes < 60) {
      out = hours * 60 + minutes;
      return;
    }
  }
  errors.add(pointer, "expected a local time \"HH:MM\" (00:00 to 23:59), found " + common::describeJson(value));
}

void parseSchedule(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, ScanSchedule& out) {
  ObjectReader reader(value, pointer, errors);
  reader.integer("interval_hours", out.intervalHours, 1, 24LL * 366);
  if (const common::JsonValue* v = reader.get("start_time"))
    parseStartTime(*v, reader.pointerOf("start_time"), errors, out.startMinute);
  reader.boolean("on_change", out.onChange);
}

void parseArchive(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, ArchiveLimits& out) {
  ObjectReader reader(value, pointer, errors);
  reader.integer("max_depth", out.maxDepth, 0, 10);
  reader.integer("max_members", out.maxMembers, 1, 1'000'000);
  reader.integer("max_total_bytes", out.maxTotalBytes, 1LL << 20, 64LL << 30);
  reader.integer("max_ratio", out.maxRatio, 1, 10'000);
}

constexpr std::size_t kMaxSets = 16;

// A set's name, unique in its list.
bool readSetName(ObjectReader& reader, ErrorList& errors, std::set<std::string>& names, std::string& out) {
  const common::JsonValue* name = reader.require("set");
  if (name == nullptr) return false;
  const std::string at = reader.pointerOf("set");
  if (!readString(*name, at, errors, out, 64)) return false;
  if (out.empty() || out.front() == '.' || !isSafeName(out)) {
    errors.add(
        at, "expected a set name of letters, digits, '_', '-' or '.' (1 to 64), found " + common::describeJson(*name));
    return false;
  }
  if (!names.insert(out).second) {
    errors.add(at, "the set \"" + out + "\" is named twice");
    return false;
  }
  return true;
}

void parseFingerprintSet(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                         std::set<std::string>& names, std::vector<FingerprintSetRef>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  FingerprintSetRef ref;
  const bool named = readSetName(reader, errors, names, ref.set);
  if (const common::JsonValue* v = reader.get("min_containment")) {
    double share = -1;
    if (v->kind == common::JsonKind::kNumber) std::from_chars(v->text.data(), v->text.data() + v->text.size(), share);
    if (share <= 0 || share > 1) {
      errors.add(reader.pointerOf("min_containment"),
                 "expected a share above 0 and at most 1 (0.3 is 30%), found " + common::describeJson(*v));
    } else {
      ref.minContainment = share;
    }
  }
  reader.integer("min_chars", ref.minChars, 47, 1'000'000);
  if (named) out.push_back(std::move(ref));
}

void parseEdmSet(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                 std::set<std::string>& names, std::vector<EdmSetRef>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  EdmSetRef ref;
  const bool named = readSetName(reader, errors, names, ref.set);
  reader.integer("min_rows", ref.minRows, 1, 1'000'000);
  if (named) out.push_back(std::move(ref));
}

}  // namespace

void parseContentScan(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                      ContentScanSettings& out) {
  ObjectReader reader(value, pointer, errors);
  reader.mode("mode", out.mode);
  if (const common::JsonValue* v = reader.get("rule_sets")) {
    std::set<std::string> names;
    readArray(*v, reader.pointerOf("rule_sets"), errors, kMaxRuleSets,
              [&](const common::JsonValue& item, const std::string& at) {
                parseRuleSet(item, at, errors, out.ruleSets, names);
              });
  }
  if (const common::JsonValue* v = reader.get("detectors"))
    parseDetectors(*v, reader.pointerOf("detectors"), errors, out);
  reader.pathList("paths", out.paths);
  if (const common::JsonValue* v = reader.get("exclude")) {
    std::vector<std::string> exclude;
    readArray(*v, reader.pointerOf("exclude"), errors, kMaxListItems,
              [&](const common::JsonValue& item, const std::string& at) {
                std::string pattern;
                if (readString(item, at, errors, pattern, kMaxPathBytes)) exclude.push_back(std::move(pattern));
              });
    out.exclude = std::move(exclude);
  }
  if (const common::JsonValue* v = reader.get("schedule"))
    parseSchedule(*v, reader.pointerOf("schedule"), errors, out.schedule);
  // libyara allows at most 32 scanners on one compiled rule set.
  reader.integer("threads", out.threads, 1, 32);
  reader.integer("max_file_bytes", out.maxFileBytes, 1024, 16LL << 30);
  if (const common::JsonValue* v = reader.get("archive"))
    parseArchive(*v, reader.pointerOf("archive"), errors, out.archive);
  if (const common::JsonValue* v = reader.get("fingerprints")) {
    std::set<std::string> names;
    readArray(*v, reader.pointerOf("fingerprints"), errors, kMaxSets,
              [&](const common::JsonValue& item, const std::string& at) {
                parseFingerprintSet(item, at, errors, names, out.fingerprints);
              });
  }
  if (const common::JsonValue* v = reader.get("edm")) {
    std::set<std::string> names;
    readArray(*v, reader.pointerOf("edm"), errors, kMaxSets, [&](const common::JsonValue& item, const std::string& at) {
      parseEdmSet(item, at, errors, names, out.edm);
    });
  }
}

}  // namespace mamori::policy
