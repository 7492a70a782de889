#include "inspect/ClientConfigParsers.h"

#include <algorithm>

#include "common/JsonParser.h"

namespace mamori::inspect {

namespace {

constexpr std::size_t kMaxConfigBytes = 4U << 20U;  // real ones are a few KiB

void addFolder(Folders& out, std::string_view value, const std::string& home) {
  std::string folder(value);
  if (folder == "~") folder = home;
  if (folder.rfind("~/", 0) == 0) folder = home + folder.substr(1);
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  if (folder.empty() || folder.find('\0') != std::string::npos) return;
  if (std::find(out.begin(), out.end(), folder) == out.end()) out.push_back(std::move(folder));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool isTrue(std::string_view value) { return value == "true" || value == "1"; }

// INI files as Qt's QSettings and wxWidgets write them: [Section], key=value, ';' or '#' comments.
struct IniEntry {
  std::string section;
  std::string key;
  std::string value;
};

common::Result<std::vector<IniEntry>> parseIni(std::string_view text, const char* what) {
  if (text.size() > kMaxConfigBytes) return common::makeError(std::string(what) + " is larger than 4 MiB");
  std::vector<IniEntry> entries;
  std::string section;
  std::size_t lineNumber = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++lineNumber;
    if (line.empty() || line.front() == ';' || line.front() == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return common::makeError("a section header without ']'",
                                 std::string(what) + " line " + std::to_string(lineNumber));
      section = std::string(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;  // Qt writes continuation junk rarely; not ours to judge
    entries.push_back({section, std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1)))});
  }
  return entries;
}

// QSettings quotes values that hold special characters: "C:\\Users\\...", with \\ and \" escapes.
std::string unquoteQt(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

const common::JsonValue* member(const common::JsonValue& object, std::string_view key, common::JsonKind kind) {
  const auto* value = object.find(key);
  return value != nullptr && value->kind == kind ? value : nullptr;
}

bool flag(const common::JsonValue& object, std::string_view key, bool absent) {
  const auto* value = object.find(key);
  if (value == nullptr || value->kind != common::JsonKind::kBool) return absent;
  return value->boolean;
}

void addJsonFolder(Folders& out, const common::JsonValue& object, std::string_view key, const std::string& home) {
  if (const auto* value = member(object, key, common::JsonKind::kString)) addFolder(out, value->text, home);
}

common::JsonLimits configLimits() {
  common::JsonLimits limits;
  limits.maxBytes = kMaxConfigBytes;
  return limits;
}

// The end of the first JSON value in text (an object): braces counted outside strings.
common::Result<std::size_t> endOfFirstObject(std::string_view text) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '{')
      ++depth;
    else if (c == '}' && --depth == 0)
      return i + 1;
    else if (c == '}' && depth < 0)
      break;
  }
  return common::makeError("the format header object does not end");
}

}  // namespace

common::Result<Folders> parseTransmissionSettings(std::string_view text, const std::string& home) {
  auto parsed = common::parseJsonStrict(text, configLimits());
  if (!parsed) return parsed.error();
  const auto& root = parsed.value();
  if (root.kind != common::JsonKind::kObject) return common::makeError("not a JSON object", "/");
  Folders out;
  addJsonFolder(out, root, "download-dir", home);
  if (flag(root, "incomplete-dir-enabled", true)) addJsonFolder(out, root, "incomplete-dir", home);
  if (flag(root, "watch-dir-enabled", false)) addJsonFolder(out, root, "watch-dir", home);
  return out;
}

common::Result<Folders> parseQbittorrentConf(std::string_view text, const std::string& home) {
  auto entries = parseIni(text, "qBittorrent.conf");
  if (!entries) return entries.error();
  bool tempEnabled = false;
  for (const auto& e : entries.value())
    if (e.section == "BitTorrent" && e.key == "Session\\TempPathEnabled") tempEnabled = isTrue(e.value);
  Folders out;
  for (const auto& e : entries.value()) {
    const bool save = (e.section == "BitTorrent" && e.key == "Session\\DefaultSavePath") ||
                      (e.section == "Preferences" && e.key == "Downloads\\SavePath");
    const bool temp = (e.section == "BitTorrent" && e.key == "Session\\TempPath" && tempEnabled) ||
                      (e.section == "Preferences" && e.key == "Downloads\\TempPath");
    if (save || temp) addFolder(out, unquoteQt(e.value), home);
  }
  return out;
}

common::Result<Folders> parseAria2Conf(std::string_view text, const std::string& home) {
  auto entries = parseIni(text, "aria2.conf");
  if (!entries) return entries.error();
  Folders out;
  for (const auto& e : entries.value())
    if (e.key == "dir") addFolder(out, e.value, home);
  return out;
}

common::Result<Folders> parseDelugeCoreConf(std::string_view text, const std::string& home) {
  if (text.size() > kMaxConfigBytes) return common::makeError("core.conf is larger than 4 MiB");
  auto headerEnd = endOfFirstObject(text);
  if (!headerEnd) return headerEnd.error();
  auto header = common::parseJsonStrict(text.substr(0, headerEnd.value()), configLimits());
  if (!header) return common::makeError("the format header: " + header.error().describe());
  auto parsed = common::parseJsonStrict(text.substr(headerEnd.value()), configLimits());
  if (!parsed) return common::makeError("the settings: " + parsed.error().describe());
  const auto& root = parsed.value();
  if (root.kind != common::JsonKind::kObject) return common::makeError("the settings are not a JSON object", "/");
  Folders out;
  addJsonFolder(out, root, "download_location", home);
  if (flag(root, "move_completed", false)) addJsonFolder(out, root, "move_completed_path", home);
  if (flag(root, "copy_torrent_file", false)) addJsonFolder(out, root, "torrentfiles_location", home);
  return out;
}

common::Result<Folders> parseAmuleConf(std::string_view text, const std::string& home) {
  auto entries = parseIni(text, "amule.conf");
  if (!entries) return entries.error();
  Folders out;
  for (const auto& e : entries.value())
    if (e.section == "eMule" && (e.key == "IncomingDir" || e.key == "TempDir")) addFolder(out, e.value, home);
  return out;
}

}  // namespace mamori::inspect
