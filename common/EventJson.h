#pragma once
// The event record's JSON form, and the parser for batches that come from outside (agents).
// Parsing is pure: a string in, events or a precise error (JSON pointer) out.

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/Event.h"
#include "common/Result.h"

namespace mamori::common {

// Any JSON text from outside, with Poco's exceptions turned into an Error at `where`.
Result<Poco::Dynamic::Var> parseJson(std::string_view text, const std::string& where);

Poco::JSON::Object::Ptr eventToJsonObject(const Event& event);
std::string eventToJson(const Event& event);  // one line, no trailing newline

struct EventLimits {
  std::size_t maxStringBytes = std::size_t{16} * 1024;  // any one string value
  std::size_t maxDetailKeys = 256;                      // keys in details, all levels
  std::size_t maxDepth = 6;                             // nesting inside details
};

struct BatchLimits {
  std::size_t maxEvents = 5000;
  EventLimits event;
};

// One event object; `where` is its JSON pointer, used as the prefix of error locations.
Result<Event> eventFromJsonObject(const Poco::JSON::Object& object, const std::string& where,
                                  const EventLimits& limits = {});

// {"events":[...]} as sent to POST /api/v1/events. Every event is validated; the first problem is
// returned with its location ("/events/17/severity: expected one of ...").
Result<std::vector<Event>> parseEventBatch(std::string_view body, const BatchLimits& limits = {});

// A single event object as text (spool entries, heartbeats).
Result<Event> parseEvent(std::string_view text, const EventLimits& limits = {});

// {"events":[e1,e2,...]} from already-serialized event lines. Lets the agent send spooled text
// without parsing it again.
std::string makeBatchBody(const std::vector<std::string>& eventJsonLines);

// Outside bytes made fit for an event: the collector refuses a batch holding a string that is not
// strict UTF-8, holds NUL (PostgreSQL text cannot store either) or is longer than
// EventLimits::maxStringBytes, and a file named in Shift_JIS, a device string with U+0000 or a program
// started with a 20 KiB argument (a zip member's name can be 64 KiB) would otherwise keep its whole
// batch from the console. Valid text within the limit is returned as it is; each byte of an invalid
// sequence and each NUL becomes the text "\xNN" (json::safeText's form, as in the inspection report), so
// the stored value stays readable and its bytes can be told back; a longer text is cut between
// characters and ends with kCutMark and its length in bytes.
std::string storableText(std::string_view text);
inline constexpr std::string_view kCutMark = "…[cut: ";  // "…[cut: 20017 bytes]"
// storableText over every string of an event: type, agent id, host, user, details at any depth (keys
// included); and details with more keys than EventLimits::maxDetailKeys (a zip of 100 company files
// is 100 matches of four keys) lose the last items of their costliest top-level lists until they fit,
// the number left out in details[kItemsLeftOut]. Details are copied, never changed in place, and only
// when a value needs it.
void makeStorable(Event& event);
inline constexpr std::string_view kItemsLeftOut = "mamori.items_left_out";

}  // namespace mamori::common
