#pragma once
// Pure formatters from a stored event to what a SIEM reads: CEF (in an RFC 5424 syslog message with
// octet-counting framing) and ECS-style JSON lines. docs/siem.md documents every mapping here.
//
// Every field value is outside input (the agent chose it), so each formatter escapes so that no
// value can end a field, a header, a structured-data element, a line or a syslog frame early, and
// any byte sequence that is not UTF-8 becomes U+FFFD before it is written.

#include <string>
#include <string_view>

#include "collector/siem/Record.h"

namespace mamori::collector::siem {

inline constexpr const char* kVendor = "mamori";
inline constexpr const char* kProduct = "mamori";
// The private enterprise number in structured-data ids: 32473 is the one RFC 5612 sets aside for
// documentation; an operator with a registered number can change it in the config (sd_id).
inline constexpr const char* kDefaultSdId = "mamori@32473";

// Replaces every byte sequence that is not strict UTF-8 with U+FFFD.
std::string toValidUtf8(std::string_view text);

// CEF escaping (ArcSight CEF spec): in the header '\' and '|' get a backslash; in extension values
// '\' and '=' do, and CR/LF become the two characters "\r" / "\n". Other control characters (never
// meaningful in a SIEM field, and able to confuse line-based tools) become a space.
std::string cefHeaderEscape(std::string_view text);
std::string cefExtensionEscape(std::string_view text);

// The human name of a type (docs/siem.md's table); unknown types are named by the type itself.
std::string eventName(const std::string& type);

// mamori severity 0..4 to CEF 0..10, and to syslog severity (RFC 5424 numeric).
int cefSeverity(int severity);
int syslogSeverity(int severity);

// "CEF:0|mamori|mamori|<version>|<type>|<name>|<severity>|<extensions>": one line, never a raw CR/LF.
std::string formatCef(const StoredEvent& event, std::string_view productVersion);

struct SyslogOptions {
  int facility = 16;  // local0
  std::string appName = "mamori";
  std::string sdId = kDefaultSdId;
};

// RFC 5424 structured-data parameter value escaping: '"', '\' and ']' get a backslash; control
// characters (CR/LF above all) become a space.
std::string sdEscape(std::string_view text);

// One RFC 5424 message (without framing) carrying `message` (e.g. the CEF line) as MSG.
std::string formatSyslog(const StoredEvent& event, std::string_view message, const SyslogOptions& options);

// RFC 6587 octet counting: "<length> <message>".
std::string octetCountingFrame(std::string_view message);

// One JSON object on one line (no trailing newline), ECS-style flat dotted keys.
std::string formatEcsJson(const StoredEvent& event, std::string_view productVersion);

}  // namespace mamori::collector::siem
