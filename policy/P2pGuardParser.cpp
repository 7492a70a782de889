// Parses p2p_guard (docs/policy.md#p2p_guard).
#include <algorithm>
#include <cctype>
#include <set>

#include "policy/BuiltinP2pSignatures.h"
#include "policy/FieldReader.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

constexpr std::size_t kMaxSignatureSets = 256;
constexpr std::size_t kMaxHashes = 50'000;

bool readSha256(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::string& out) {
  const bool ok = value.kind == common::JsonKind::kString && value.text.size() == 64 &&
                  std::all_of(value.text.begin(), value.text.end(),
                              [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (!ok) {
    errors.add(pointer, "expected a SHA-256 as 64 hex digits, found " + common::describeJson(value));
    return false;
  }
  out = value.text;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return true;
}

void readStringList(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                    std::vector<std::string>& out) {
  readArray(value, pointer, errors, kMaxListItems, [&](const common::JsonValue& item, const std::string& at) {
    std::string text;
    if (readString(item, at, errors, text, kMaxNameBytes)) out.push_back(std::move(text));
  });
}

void parseScript(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                 std::vector<ScriptPattern>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  ScriptPattern pattern;
  const common::JsonValue* interpreter = reader.require("interpreter");
  const common::JsonValue* script = reader.require("script");
  const bool ok =
      interpreter != nullptr && script != nullptr &&
      readString(*interpreter, reader.pointerOf("interpreter"), errors, pattern.interpreter, kMaxPathBytes) &&
      readString(*script, reader.pointerOf("script"), errors, pattern.script, kMaxPathBytes);
  if (ok) out.push_back(std::move(pattern));
}

void parsePeVersionPattern(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                           std::vector<PeVersionPattern>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  PeVersionPattern pattern;
  const common::JsonValue* field = reader.require("field");
  const common::JsonValue* text = reader.require("value");
  if (field == nullptr || text == nullptr ||
      !readString(*field, reader.pointerOf("field"), errors, pattern.field, kMaxNameBytes) ||
      !readString(*text, reader.pointerOf("value"), errors, pattern.value, kMaxNameBytes))
    return;
  const auto known = std::find_if(std::begin(kPeVersionFields), std::end(kPeVersionFields),
                                  [&](const char* name) { return pattern.field == name; });
  if (known == std::end(kPeVersionFields)) {
    std::string names;
    for (const char* name : kPeVersionFields) names += std::string(names.empty() ? "" : ", ") + name;
    errors.add(reader.pointerOf("field"),
               "unknown version resource field \"" + pattern.field + "\" (one of " + names + ")");
    return;
  }
  out.push_back(std::move(pattern));
}

void parseSignatureSet(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                       std::vector<P2pSignatureSet>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  P2pSignatureSet set;
  const common::JsonValue* name = reader.require("name");
  const bool named = name != nullptr && readString(*name, reader.pointerOf("name"), errors, set.name, kMaxNameBytes);
  if (const common::JsonValue* v = reader.get("process_names")) {
    readStringList(*v, reader.pointerOf("process_names"), errors, set.processNames);
  }
  if (const common::JsonValue* v = reader.get("sha256")) {
    readArray(*v, reader.pointerOf("sha256"), errors, kMaxHashes,
              [&](const common::JsonValue& item, const std::string& at) {
                std::string hash;
                if (readSha256(item, at, errors, hash)) set.sha256.push_back(std::move(hash));
              });
  }
  if (const common::JsonValue* v = reader.get("yara")) {
    const std::string at = reader.pointerOf("yara");
    if (readString(*v, at, errors, set.yaraSource, kMaxYaraSourceBytes)) {
      set.yaraRules = compilePolicyYara(set.yaraSource, named ? set.name : "(unnamed)", at, errors);
    }
  }
  if (const common::JsonValue* v = reader.get("scripts")) {
    readArray(
        *v, reader.pointerOf("scripts"), errors, kMaxListItems,
        [&](const common::JsonValue& item, const std::string& at) { parseScript(item, at, errors, set.scripts); });
  }
  if (const common::JsonValue* v = reader.get("pe_version_info")) {
    readArray(*v, reader.pointerOf("pe_version_info"), errors, kMaxListItems,
              [&](const common::JsonValue& item, const std::string& at) {
                parsePeVersionPattern(item, at, errors, set.peVersionInfo);
              });
  }
  if (named) out.push_back(std::move(set));
}

}  // namespace

void parseP2pSignatureSets(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                           std::vector<P2pSignatureSet>& out) {
  readArray(value, pointer, errors, kMaxSignatureSets,
            [&](const common::JsonValue& item, const std::string& at) { parseSignatureSet(item, at, errors, out); });
}

void parseP2pGuard(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                   P2pGuardSettings& out) {
  ObjectReader reader(value, pointer, errors);
  reader.mode("mode", out.mode);
  reader.boolean("deny_exec", out.denyExec);
  reader.boolean("kill", out.kill);
  reader.boolean("network_detection", out.networkDetection);
  reader.boolean("builtin_signatures", out.builtinSignatures);
  std::vector<P2pSignatureSet> own;
  if (const common::JsonValue* v = reader.get("signature_sets")) {
    std::set<std::string> names;
    if (out.builtinSignatures) {
      for (const auto& set : builtinP2pSignatureSets()) names.insert(set.name);
    }
    readArray(*v, reader.pointerOf("signature_sets"), errors, kMaxSignatureSets,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = own.size();
                parseSignatureSet(item, at, errors, own);
                if (own.size() > before && !names.insert(own.back().name).second) {
                  errors.add(common::pointerAppend(at, "name"), "duplicate signature set name \"" + own.back().name +
                                                                    "\" (built-in sets are named \"builtin-...\")");
                }
              });
  }
  out.signatureSets.clear();
  if (out.builtinSignatures) out.signatureSets = builtinP2pSignatureSets();
  for (auto& set : own) out.signatureSets.push_back(std::move(set));
}

}  // namespace mamori::policy
