#include "common/EventJson.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <vector>

#include "common/Clock.h"
#include "common/JsonPointer.h"
#include "common/JsonText.h"
#include "common/Utf8.h"
#include "common/Uuid7.h"

namespace mamori::common {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::size_t kMaxKeyBytes = 128;
constexpr std::size_t kParserDepth = 16;  // Poco's own limit; ours for details is tighter

struct DetailCheck {
  const EventLimits& limits;
  std::size_t keys = 0;

  std::optional<Error> value(const Var& v, const std::string& where, std::size_t depth) {
    if (depth > limits.maxDepth) return makeError("nested deeper than " + std::to_string(limits.maxDepth), where);
    if (v.type() == typeid(Object::Ptr)) return object(*v.extract<Object::Ptr>(), where, depth + 1);
    if (v.type() == typeid(Array::Ptr)) {
      const auto& array = *v.extract<Array::Ptr>();
      for (std::size_t i = 0; i < array.size(); ++i) {
        if (auto e = value(array.get(static_cast<unsigned>(i)), where + "/" + std::to_string(i), depth + 1)) return e;
      }
      return std::nullopt;
    }
    if (v.isString()) return string(v.extract<std::string>(), where);
    return std::nullopt;  // numbers, booleans, null
  }

  std::optional<Error> string(const std::string& s, const std::string& where) const {
    if (s.size() > limits.maxStringBytes) {
      return makeError("string of " + std::to_string(s.size()) + " bytes is longer than the limit of " +
                           std::to_string(limits.maxStringBytes),
                       where);
    }
    if (!isValidUtf8(s)) return makeError("string is not valid UTF-8", where);
    // Valid JSON ("\u0000"), but PostgreSQL text cannot hold it: refuse it here, as bad input,
    // rather than fail at storage time (a 5xx the agent would retry forever).
    if (s.find('\0') != std::string::npos) return makeError("string contains a NUL character", where);
    return std::nullopt;
  }

  std::optional<Error> object(const Object& obj, const std::string& where, std::size_t depth) {
    for (const auto& [key, v] : obj) {
      const std::string at = jsonPointerAppend(where, key);
      if (++keys > limits.maxDetailKeys) {
        return makeError("more than " + std::to_string(limits.maxDetailKeys) + " keys in details", at);
      }
      if (key.empty() || key.size() > kMaxKeyBytes || !isValidUtf8(key) || key.find('\0') != std::string::npos) {
        return makeError("key must be 1 to 128 bytes of UTF-8 without NUL", at);
      }
      if (auto e = value(v, at, depth)) return e;
    }
    return std::nullopt;
  }
};

Result<std::string> requiredString(const Object& obj, const std::string& key, const std::string& where,
                                   const EventLimits& limits, bool allowEmpty) {
  const std::string at = where + "/" + key;
  if (!obj.has(key)) return makeError("missing required field", at);
  const Var v = obj.get(key);
  if (!v.isString()) return makeError("expected a string", at);
  std::string s = v.extract<std::string>();
  if (!allowEmpty && s.empty()) return makeError("must not be empty", at);
  if (s.size() > limits.maxStringBytes) return makeError("string is too long", at);
  if (!isValidUtf8(s)) return makeError("string is not valid UTF-8", at);
  if (s.find('\0') != std::string::npos) return makeError("string contains a NUL character", at);
  return s;
}

}  // namespace

Result<Poco::Dynamic::Var> parseJson(std::string_view text, const std::string& where) {
  try {
    Poco::JSON::Parser parser;
    parser.setDepth(kParserDepth);
    return parser.parse(std::string(text));
  } catch (const Poco::Exception& e) {
    return makeError("malformed JSON: " + e.displayText(), where);
  } catch (const std::exception& e) {
    return makeError(std::string("malformed JSON: ") + e.what(), where);
  }
}

Object::Ptr eventToJsonObject(const Event& event) {
  Object::Ptr obj = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  obj->set("id", event.id);
  obj->set("type", event.type);
  obj->set("time", formatUtcMs(event.timeMs));
  obj->set("severity", std::string(severityName(event.severity)));
  obj->set("agent_id", event.agentId);
  obj->set("host", event.host);
  obj->set("user", event.user);
  obj->set("details", event.details.isNull() ? Object::Ptr(new Object) : event.details);
  return obj;
}

std::string eventToJson(const Event& event) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(eventToJsonObject(event), out);
  return out.str();
}

Result<Event> eventFromJsonObject(const Object& object, const std::string& where, const EventLimits& limits) {
  static const char* const kKnown[] = {"id", "type", "time", "severity", "agent_id", "host", "user", "details"};
  for (const auto& [key, v] : object) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known)
      return makeError("unknown field (expected id, type, time, severity, agent_id, host, user, details)",
                       jsonPointerAppend(where, key));
  }
  Event event;
  auto id = requiredString(object, "id", where, limits, false);
  if (!id) return id.error();
  if (!isCanonicalUuid(id.value()) || uuid7Millis(id.value()) < 0) {
    return makeError("expected a lower-case UUIDv7, found \"" + id.value().substr(0, 40) + "\"", where + "/id");
  }
  event.id = std::move(id).value();

  auto type = requiredString(object, "type", where, limits, false);
  if (!type) return type.error();
  if (!isValidEventType(type.value())) {
    return makeError("expected a dotted lower-case type such as \"device.blocked\"", where + "/type");
  }
  event.type = std::move(type).value();

  auto time = requiredString(object, "time", where, limits, false);
  if (!time) return time.error();
  const auto ms = parseUtcMs(time.value());
  if (!ms) return makeError("expected UTC time like 2026-11-23T02:48:03.123Z", where + "/time");
  event.timeMs = *ms;

  auto severity = requiredString(object, "severity", where, limits, false);
  if (!severity) return severity.error();
  const auto sev = parseSeverity(severity.value());
  if (!sev) return makeError("expected one of info, low, medium, high, critical", where + "/severity");
  event.severity = *sev;

  auto agent = requiredString(object, "agent_id", where, limits, false);
  if (!agent) return agent.error();
  event.agentId = std::move(agent).value();
  auto host = requiredString(object, "host", where, limits, true);
  if (!host) return host.error();
  event.host = std::move(host).value();
  auto user = requiredString(object, "user", where, limits, true);
  if (!user) return user.error();
  event.user = std::move(user).value();

  if (object.has("details")) {
    const Var details = object.get("details");
    if (details.type() != typeid(Object::Ptr)) return makeError("expected an object", where + "/details");
    DetailCheck check{limits};
    auto detailsObj = details.extract<Object::Ptr>();
    if (auto e = check.object(*detailsObj, where + "/details", 1)) return *e;
    event.details = detailsObj;
  }
  return event;
}

Result<std::vector<Event>> parseEventBatch(std::string_view body, const BatchLimits& limits) {
  auto parsed = parseJson(body, "body");
  if (!parsed) return parsed.error();
  const Var root = std::move(parsed).value();
  if (root.type() != typeid(Object::Ptr)) return makeError("expected an object {\"events\": [...]}", "/");
  const auto& rootObj = root.extract<Object::Ptr>();
  for (const auto& [key, v] : *rootObj) {
    if (key != "events") return makeError("unknown field", jsonPointerAppend("", key));
  }
  if (!rootObj->has("events")) return makeError("missing required field", "/events");
  const Var list = rootObj->get("events");
  if (list.type() != typeid(Array::Ptr)) return makeError("expected an array", "/events");
  const auto& array = list.extract<Array::Ptr>();
  if (array->size() > limits.maxEvents) {
    return makeError(
        "batch holds " + std::to_string(array->size()) + " events, the limit is " + std::to_string(limits.maxEvents),
        "/events");
  }
  std::vector<Event> events;
  events.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string where = "/events/" + std::to_string(i);
    const Var item = array->get(static_cast<unsigned>(i));
    if (item.type() != typeid(Object::Ptr)) return makeError("expected an event object", where);
    auto event = eventFromJsonObject(*item.extract<Object::Ptr>(), where, limits.event);
    if (!event) return event.error();
    events.push_back(std::move(event).value());
  }
  return events;
}

Result<Event> parseEvent(std::string_view text, const EventLimits& limits) {
  auto parsed = parseJson(text, "event");
  if (!parsed) return parsed.error();
  const Var root = std::move(parsed).value();
  if (root.type() != typeid(Object::Ptr)) return makeError("expected an event object", "/");
  return eventFromJsonObject(*root.extract<Object::Ptr>(), "", limits);
}

std::string makeBatchBody(const std::vector<std::string>& eventJsonLines) {
  std::size_t size = 16;
  for (const auto& line : eventJsonLines) size += line.size() + 1;
  std::string body;
  body.reserve(size);
  body += "{\"events\":[";
  for (std::size_t i = 0; i < eventJsonLines.size(); ++i) {
    if (i != 0) body += ',';
    body += eventJsonLines[i];
  }
  body += "]}";
  return body;
}

namespace {

bool storableAsIs(std::string_view text) {
  return text.size() <= EventLimits{}.maxStringBytes && text.find('\0') == std::string_view::npos && isValidUtf8(text);
}

bool storable(const Var& value) {
  if (value.type() == typeid(Object::Ptr)) {
    const auto& object = value.extract<Object::Ptr>();
    if (object.isNull()) return true;
    for (const auto& [key, item] : *object) {
      if (!storableAsIs(key) || !storable(item)) return false;
    }
    return true;
  }
  if (value.type() == typeid(Array::Ptr)) {
    const auto& array = value.extract<Array::Ptr>();
    if (array.isNull()) return true;
    for (const auto& item : *array) {
      if (!storable(item)) return false;
    }
    return true;
  }
  if (value.type() == typeid(std::string)) return storableAsIs(value.extract<std::string>());
  return true;
}

Var storableValue(const Var& value) {
  if (value.type() == typeid(Object::Ptr)) {
    const auto& object = value.extract<Object::Ptr>();
    if (object.isNull()) return value;
    Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& name : object->getNames()) out->set(storableText(name), storableValue(object->get(name)));
    return out;
  }
  if (value.type() == typeid(Array::Ptr)) {
    const auto& array = value.extract<Array::Ptr>();
    if (array.isNull()) return value;
    Array::Ptr out = new Array;
    for (const auto& item : *array) out->add(storableValue(item));
    return out;
  }
  if (value.type() == typeid(std::string)) return storableText(value.extract<std::string>());
  return value;
}

// Keys in a details value, all levels, as the collector counts them (maxDetailKeys).
std::size_t keyCount(const Var& value) {
  std::size_t keys = 0;
  if (value.type() == typeid(Object::Ptr)) {
    const auto& object = value.extract<Object::Ptr>();
    if (object.isNull()) return 0;
    for (const auto& [key, item] : *object) keys += 1 + keyCount(item);
  } else if (value.type() == typeid(Array::Ptr)) {
    const auto& array = value.extract<Array::Ptr>();
    if (array.isNull()) return 0;
    for (const auto& item : *array) keys += keyCount(item);
  }
  return keys;
}

// Details with more keys than the collector takes (a zip of 100 company files is 100 matches of four
// keys each) would be refused with their whole batch: the last items of the costliest lists at the top
// level are left out until they fit, and kItemsLeftOut says how many. A copy; nullptr when nothing can
// be left out or nothing needs to be.
Object::Ptr fittedDetails(const Object::Ptr& details) {
  const std::size_t limit = EventLimits{}.maxDetailKeys;
  std::size_t keys = keyCount(Var(details));
  if (keys <= limit) return nullptr;
  struct List {
    std::string name;
    Array::Ptr array;
    std::vector<std::size_t> costs;  // keys of each item
    std::size_t kept = 0;
  };
  std::vector<List> lists;
  for (const auto& name : details->getNames()) {
    const Var value = details->get(name);
    if (value.type() != typeid(Array::Ptr) || value.extract<Array::Ptr>().isNull()) continue;
    List list{name, value.extract<Array::Ptr>(), {}, 0};
    for (const auto& item : *list.array) list.costs.push_back(keyCount(item));
    list.kept = list.costs.size();
    lists.push_back(std::move(list));
  }
  std::int64_t leftOut = 0;
  ++keys;  // the count itself
  while (keys > limit) {
    List* costliest = nullptr;
    std::size_t most = 0;
    for (auto& list : lists) {
      std::size_t cost = 0;
      for (std::size_t i = 0; i < list.kept; ++i) cost += list.costs[i];
      if (list.kept > 0 && cost > most) {
        most = cost;
        costliest = &list;
      }
    }
    if (costliest == nullptr) return nullptr;  // no list holds keys: nothing left out helps
    --costliest->kept;
    keys -= costliest->costs[costliest->kept];
    ++leftOut;
  }
  Object::Ptr out = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& name : details->getNames()) {
    const auto list = std::find_if(lists.begin(), lists.end(), [&](const List& l) { return l.name == name; });
    if (list == lists.end() || list->kept == list->costs.size()) {
      out->set(name, details->get(name));
      continue;
    }
    Array::Ptr kept = new Array;
    for (std::size_t i = 0; i < list->kept; ++i) kept->add(list->array->get(static_cast<unsigned>(i)));
    out->set(name, kept);
  }
  out->set(std::string(kItemsLeftOut), leftOut);
  return out;
}

}  // namespace

std::string storableText(std::string_view text) {
  if (storableAsIs(text)) return std::string(text);
  std::string out;
  for (const char c : json::safeText(text)) {
    if (c == '\0') {
      out += "\\x00";
    } else {
      out.push_back(c);
    }
  }
  constexpr std::size_t kLimit = EventLimits{}.maxStringBytes;
  if (out.size() > kLimit) {
    const std::string mark = std::string(kCutMark) + std::to_string(text.size()) + " bytes]";
    out = capUtf8(std::move(out), kLimit - mark.size()) + mark;
  }
  return out;
}

void makeStorable(Event& event) {
  for (std::string* text : {&event.type, &event.agentId, &event.host, &event.user}) {
    if (!storableAsIs(*text)) *text = storableText(*text);
  }
  if (!event.details.isNull() && !storable(Var(event.details))) {
    event.details = storableValue(Var(event.details)).extract<Object::Ptr>();
  }
  if (!event.details.isNull()) {
    if (auto fitted = fittedDetails(event.details)) event.details = fitted;
  }
}

}  // namespace mamori::common
