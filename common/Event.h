#pragma once
// The one event record, shared by agent, collector and mamorictl. Its JSON form is documented
// field by field in docs/events.md; the names there are a contract with SIEMs, do not rename.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::common {

// Ordered: a higher value is more severe. Overflow drops the lowest first.
enum class Severity : int { Info = 0, Low = 1, Medium = 2, High = 3, Critical = 4 };

std::string_view severityName(Severity severity);
std::optional<Severity> parseSeverity(std::string_view name);

struct Event {
  std::string id;           // UUIDv7, canonical text; unique and time-ordered
  std::string type;         // dotted, lower case: "device.blocked", "agent.heartbeat"
  std::int64_t timeMs = 0;  // when it happened, UTC Unix milliseconds
  Severity severity = Severity::Info;
  std::string agentId;  // the enrolled agent that observed it
  std::string host;     // host name of that agent's machine
  std::string user;     // the user the event concerns ("" when none)
  // ECS-style flat keys ("process.pid", "file.path"). Never null.
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
};

// True for "a.b", "agent.heartbeat", "p2p.killed": lower-case words joined by dots, at least two.
bool isValidEventType(std::string_view type);

}  // namespace mamori::common
