#include "collector/siem/Formatters.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <sstream>
#include <utility>

#include "common/Clock.h"
#include "common/Event.h"
#include "common/JsonText.h"
#include "common/Utf8.h"

namespace mamori::collector::siem {

using common::capUtf8;

namespace {

// Single values are capped before escaping so one huge field cannot push a syslog message past
// what receivers accept (rsyslog: maxMessageSize); the details object gets more room.
constexpr std::size_t kMaxValueBytes = 1024;
constexpr std::size_t kMaxDetailsBytes = std::size_t{16} * 1024;

Poco::JSON::Object::Ptr parseDetails(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(json);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) return value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {  // not an object: formatted as if empty, the raw text kept
  } catch (const std::exception&) {
  }
  return nullptr;
}

// A details value as text: strings as they are, everything else as compact JSON.
std::string valueText(const Poco::Dynamic::Var& value) {
  try {
    if (value.isString()) return value.convert<std::string>();
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(value, out);
    return out.str();
  } catch (const Poco::Exception&) {
    return {};
  }
}

std::string severityName(int severity) {
  if (severity < 0 || severity > 4) return "info";
  return std::string(common::severityName(static_cast<common::Severity>(severity)));
}

std::string areaOf(const std::string& type) { return type.substr(0, type.find('.')); }

// Known details keys and the CEF extension key that carries them (docs/siem.md, "extension keys").
constexpr std::array<std::pair<const char*, const char*>, 14> kCefDetailKeys = {{
    {"file.path", "filePath"},
    {"file.name", "fname"},
    {"file.size", "fsize"},
    {"file.hash.sha256", "fileHash"},
    {"process.pid", "spid"},
    {"process.name", "sproc"},
    {"source.ip", "src"},
    {"source.port", "spt"},
    {"destination.ip", "dst"},
    {"destination.port", "dpt"},
    {"destination.domain", "dhost"},
    {"url.full", "request"},
    {"event.action", "act"},
    {"error.message", "reason"},
}};

// Printable US-ASCII without space (RFC 5424 PRINTUSASCII) for header fields; others become '_'.
std::string headerToken(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte >= 33 && byte <= 126) ? c : '_';
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string toValidUtf8(std::string_view text) {
  if (common::isValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    // The shortest prefix that is valid UTF-8 is one whole code point; none of 1..4 bytes = bad byte.
    std::size_t length = 0;
    for (std::size_t n = 1; n <= 4 && i + n <= text.size(); ++n) {
      if (common::isValidUtf8(text.substr(i, n))) {
        length = n;
        break;
      }
    }
    if (length == 0) {
      common::appendUtf8(out, 0xFFFD);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

namespace {

// CEF's escaping (header and extension alike): a backslash and special escaped with a backslash; with
// lineBreaks CR and LF written as \r and \n, else a space like every other line control (a receiver's
// file read with tail -f, a viewer that ends lines at NEL: common::isLineControl).
std::string cefEscape(std::string_view raw, char special, bool lineBreaks) {
  return common::rewriteCodePoints(toValidUtf8(raw), [&](std::string& out, std::uint32_t cp) {
    if (cp == '\\' || cp == static_cast<unsigned char>(special)) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (lineBreaks && cp == '\n') {
      out += "\\n";
    } else if (lineBreaks && cp == '\r') {
      out += "\\r";
    } else if (common::isLineControl(cp)) {
      out += ' ';
    } else {
      return false;
    }
    return true;
  });
}

}  // namespace

// The header is one line: no CR/LF, no other control characters.
std::string cefHeaderEscape(std::string_view raw) { return cefEscape(raw, '|', false); }

std::string cefExtensionEscape(std::string_view raw) { return cefEscape(raw, '=', true); }

std::string eventName(const std::string& type) {
  // Names for the types docs/events.md lists today; a type added later is named by itself until it
  // gets a line here (docs/siem.md documents that default).
  static const std::array<std::pair<const char*, const char*>, 24> kNames = {{
      {"agent.started", "Agent started"},
      {"agent.stopped", "Agent stopped"},
      {"agent.synthetic", "Synthetic test event"},
      {"spool.overflow", "Agent spool overflow: events dropped"},
      {"spool.corrupt", "Agent spool corrupt: moved aside"},
      {"report.batch_rejected", "Collector refused an event batch"},
      {"device.connected", "USB device connected"},
      {"device.allowed", "USB device allowed"},
      {"device.read_only", "USB storage made read-only"},
      {"device.blocked", "USB device blocked"},
      {"device.audit", "USB device would be blocked (audit)"},
      {"device.exception_granted", "USB exception granted"},
      {"device.exception_refused", "USB exception refused"},
      {"device.exception_expired", "USB exception expired"},
      {"device.error", "USB control error"},
      {"device.unavailable", "No USB bus"},
      {"content.match", "Sensitive content found"},
      {"content.not_inspected", "Content not inspected"},
      {"content.scan_completed", "Content scan completed"},
      {"content.scan_failed", "Content scan failed"},
      {"policy.applied", "Policy applied"},
      {"policy.rejected", "Policy rejected"},
      {"policy.fallback", "Policy fallback at start"},
      {"spool.rejected", "Events kept aside"},
  }};
  for (const auto& [known, name] : kNames) {
    if (type == known) return name;
  }
  return type;
}

int cefSeverity(int severity) {
  static constexpr std::array<int, 5> kScale = {1, 3, 5, 8, 10};
  if (severity < 0) return kScale[0];
  if (severity > 4) return kScale[4];
  return kScale[static_cast<std::size_t>(severity)];
}

int syslogSeverity(int severity) {
  // info→6 informational, low→5 notice, medium→4 warning, high→3 error, critical→2 critical.
  if (severity <= 0) return 6;
  if (severity >= 4) return 2;
  return 6 - severity;
}

std::string formatCef(const StoredEvent& event, std::string_view productVersion) {
  std::string out = "CEF:0|";
  out += cefHeaderEscape(kVendor);
  out += '|';
  out += cefHeaderEscape(kProduct);
  out += '|';
  out += cefHeaderEscape(productVersion);
  out += '|';
  out += cefHeaderEscape(capUtf8(toValidUtf8(event.type), kMaxValueBytes));
  out += '|';
  out += cefHeaderEscape(capUtf8(toValidUtf8(eventName(event.type)), kMaxValueBytes));
  out += '|';
  out += std::to_string(cefSeverity(event.severity));
  out += '|';
  bool first = true;
  auto add = [&](const char* key, const std::string& value, std::size_t cap = kMaxValueBytes) {
    if (value.empty()) return;
    if (!first) out += ' ';
    first = false;
    out += key;
    out += '=';
    out += cefExtensionEscape(capUtf8(toValidUtf8(value), cap));
  };
  add("rt", std::to_string(event.timeMs));
  add("externalId", event.id);
  add("cat", areaOf(event.type));
  add("dvchost", event.host);
  add("deviceExternalId", event.agentId);
  add("duser", event.user);
  if (auto details = parseDetails(event.detailsJson)) {
    for (const auto& [detailKey, cefKey] : kCefDetailKeys) {
      if (details->has(detailKey)) add(cefKey, valueText(details->get(detailKey)));
    }
  }
  add("cs1Label", "mamoriDetails");
  add("cs1", event.detailsJson, kMaxDetailsBytes);
  add("cs2Label", "mamoriSeverity");
  add("cs2", severityName(event.severity));
  return out;
}

std::string sdEscape(std::string_view raw) {
  return common::rewriteCodePoints(toValidUtf8(raw), [](std::string& out, std::uint32_t cp) {
    if (common::isLineControl(cp)) {
      out += ' ';  // RFC 5424 allows them, but a receiver writing one message per line must never split
    } else if (cp == '"' || cp == '\\' || cp == ']') {
      out += '\\';
      out += static_cast<char>(cp);
    } else {
      return false;
    }
    return true;
  });
}

std::string formatSyslog(const StoredEvent& event, std::string_view message, const SyslogOptions& options) {
  const int priority = options.facility * 8 + syslogSeverity(event.severity);
  std::string out = "<" + std::to_string(priority) + ">1 ";
  out += common::formatUtcMs(event.timeMs);
  out += ' ';
  out += headerToken(event.host, 255);
  out += ' ';
  out += headerToken(options.appName, 48);
  out += " - ";
  out += headerToken(event.type, 32);
  out += " [";
  out += headerToken(options.sdId, 32);
  out += " event_id=\"" + sdEscape(capUtf8(toValidUtf8(event.id), kMaxValueBytes)) + "\"";
  out += " agent_id=\"" + sdEscape(capUtf8(toValidUtf8(event.agentId), kMaxValueBytes)) + "\"";
  out += " severity=\"" + severityName(event.severity) + "\"";
  out += " ingest=\"" + std::to_string(event.key.tx) + "." + std::to_string(event.key.seq) + "\"";
  out += "] ";
  // MSG is free text to syslog; CR/LF are replaced anyway so that a receiver writing one message
  // per line can never be made to start a forged line.
  for (char c : toValidUtf8(message)) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string octetCountingFrame(std::string_view message) {
  std::string out = std::to_string(message.size());
  out += ' ';
  out += message;
  return out;
}

std::string formatEcsJson(const StoredEvent& event, std::string_view productVersion) {
  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  const std::string type = toValidUtf8(event.type);
  object.set("@timestamp", common::formatUtcMs(event.timeMs));
  object.set("event.id", toValidUtf8(event.id));
  object.set("event.kind", event.severity >= 3 ? "alert" : "event");
  object.set("event.module", "mamori");
  object.set("event.dataset", "mamori." + areaOf(type));
  object.set("event.action", type);
  object.set("event.severity", cefSeverity(event.severity));
  object.set("event.ingested", common::formatUtcMs(event.receivedMs));
  object.set("log.level", severityName(event.severity));
  object.set("message", toValidUtf8(eventName(event.type)));
  object.set("host.name", toValidUtf8(event.host));
  if (!event.user.empty()) object.set("user.name", toValidUtf8(event.user));
  object.set("agent.id", toValidUtf8(event.agentId));
  object.set("agent.type", "mamori");
  object.set("observer.vendor", kVendor);
  object.set("observer.product", kProduct);
  object.set("observer.version", std::string(productVersion));
  object.set("mamori.ingest", std::to_string(event.key.tx) + "." + std::to_string(event.key.seq));
  if (auto details = parseDetails(event.detailsJson)) {
    // Details use ECS names already; one that would overwrite a field above goes under
    // mamori.details.* instead, so an agent cannot forge the envelope.
    for (const auto& key : details->getNames()) {
      const bool reserved = object.has(key) || key.rfind("mamori.", 0) == 0 || key == "@timestamp";
      object.set(reserved ? "mamori.details." + key : key, details->get(key));
    }
  } else if (!event.detailsJson.empty()) {
    object.set("mamori.details_raw", toValidUtf8(event.detailsJson));
  }
  std::ostringstream out;
  object.stringify(out, 0);
  // Poco escapes C0 control characters, so the line has no raw newline; bytes that were not UTF-8
  // (only possible inside details strings) are ASCII-neutral, so replacing them keeps the JSON valid.
  // The other line controls (C1, U+2028, U+2029) can only stand inside strings: written as \uXXXX.
  return common::json::escapeLineControls(toValidUtf8(out.str()));
}

}  // namespace mamori::collector::siem
