#include <Poco/JSON/Array.h>
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/EventJson.h"
#include "common/Utf8.h"
#include "common/Uuid7.h"

using namespace mamori::common;

namespace {

Event sampleEvent() {
  Uuid7Generator gen;
  Event e;
  e.id = gen.next(1'763'866'083'123);
  e.type = "p2p.killed";
  e.timeMs = 1'763'866'083'123;
  e.severity = Severity::High;
  e.agentId = gen.next(1'763'866'000'000);
  e.host = "pc-1234";
  e.user = "山田";
  e.details->set("process.pid", 4242);
  e.details->set("process.executable", std::string("/usr/bin/aria2c"));
  e.details->set("process.command_line", std::string("aria2c --enable-dht=false \"x\\y\"\n"));
  return e;
}

std::string batchOf(const std::string& eventJson) { return "{\"events\":[" + eventJson + "]}"; }

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("an event survives JSON and back, field by field") {
  const Event e = sampleEvent();
  const std::string json = eventToJson(e);
  CHECK(json.find('\n') == std::string::npos);  // one line: spool rows and JSON-lines sinks rely on it
  CHECK(json.rfind("{\"id\":", 0) == 0);
  auto back = parseEvent(json);
  REQUIRE(back.ok());
  CHECK(back.value().id == e.id);
  CHECK(back.value().type == e.type);
  CHECK(back.value().timeMs == e.timeMs);
  CHECK(back.value().severity == e.severity);
  CHECK(back.value().agentId == e.agentId);
  CHECK(back.value().host == e.host);
  CHECK(back.value().user == e.user);
  CHECK(back.value().details->getValue<int>("process.pid") == 4242);
  CHECK(back.value().details->getValue<std::string>("process.command_line") == "aria2c --enable-dht=false \"x\\y\"\n");
}

TEST_CASE("a batch of events parses, and makeBatchBody builds the same shape") {
  const Event a = sampleEvent();
  Event b = sampleEvent();
  b.type = "agent.heartbeat";
  auto batch = parseEventBatch(makeBatchBody({eventToJson(a), eventToJson(b)}));
  REQUIRE(batch.ok());
  REQUIRE(batch.value().size() == 2);
  CHECK(batch.value()[1].type == "agent.heartbeat");
  CHECK(parseEventBatch(makeBatchBody({})).ok());
}

TEST_CASE("hostile and malformed batches give a precise location") {
  const std::string good = eventToJson(sampleEvent());
  struct Case {
    std::string body;
    std::string where;
  };
  const Case cases[] = {
      {"", "body"},
      {"{\"events\":[", "body"},
      {"[]", "/"},
      {"{\"event\":[]}", "/event"},
      {"{}", "/events"},
      {"{\"events\":{}}", "/events"},
      {"{\"events\":[42]}", "/events/0"},
      {batchOf(replace(good, "\"type\":\"p2p.killed\"", "\"type\":\"P2P Killed\"")), "/events/0/type"},
      {batchOf(replace(good, "\"type\":\"p2p.killed\"", "\"type\":\"p2p\"")), "/events/0/type"},
      {batchOf(replace(good, "\"severity\":\"high\"", "\"severity\":\"urgent\"")), "/events/0/severity"},
      {batchOf(replace(good, "\"severity\":\"high\"", "\"severity\":3")), "/events/0/severity"},
      {batchOf(replace(good, "\"time\":\"", "\"time\":\"x")), "/events/0/time"},
      {batchOf(replace(good, "\"id\":\"", "\"id\":\"X")), "/events/0/id"},
      {batchOf(replace(good, "\"host\":", "\"hostname\":")), "/events/0/hostname"},
      {batchOf(replace(good, "\"details\":{", "\"details\":[{")), "body"},
      {batchOf(replace(good, "\"details\":{", "\"details\":\"x\",\"d\":{")), "/events/0/d"},
      {"{\"events\":[" + good + "," + replace(good, "\"agent_id\":", "\"agent\":") + "]}", "/events/1/agent"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto result = parseEventBatch(c.body);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().where == c.where);
    CHECK_FALSE(result.error().message.empty());
  }
}

TEST_CASE("invalid UTF-8, huge strings, deep nesting and too many events are refused") {
  Event e = sampleEvent();
  e.details->set("file.path", std::string("\x83\x65\x83\x58\x83\x67", 6));  // Shift_JIS bytes
  auto badUtf8 = parseEventBatch(batchOf(eventToJson(e)));
  REQUIRE_FALSE(badUtf8.ok());  // Poco's parser already refuses raw invalid bytes
  CHECK(badUtf8.error().where == "body");
  // An escaped lone surrogate is valid JSON syntax but decodes to invalid UTF-8.
  const std::string surrogate =
      replace(eventToJson(sampleEvent()), "\"details\":{", "\"details\":{\"file.name\":\"\\ud800\",");
  auto badEscape = parseEventBatch(batchOf(surrogate));
  REQUIRE_FALSE(badEscape.ok());
  CHECK((badEscape.error().where == "/events/0/details/file.name" || badEscape.error().where == "body"));

  // NUL is valid JSON but no database text column holds it: refused as bad input, not a storage error.
  const std::string withNul =
      replace(eventToJson(sampleEvent()), "\"details\":{", "\"details\":{\"file.name\":\"a\\u0000b\",");
  auto nul = parseEventBatch(batchOf(withNul));
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.error().where == "/events/0/details/file.name");
  auto nulKey = parseEventBatch(batchOf(replace(eventToJson(sampleEvent()), "\"user\":\"", "\"user\":\"\\u0000")));
  REQUIRE_FALSE(nulKey.ok());
  CHECK(nulKey.error().where == "/events/0/user");

  Event big = sampleEvent();
  big.details->set("file.path", std::string(20000, 'a'));
  auto tooLong = parseEventBatch(batchOf(eventToJson(big)));
  REQUIRE_FALSE(tooLong.ok());
  CHECK(tooLong.error().where == "/events/0/details/file.path");

  std::string deep = "1";
  for (int i = 0; i < 10; ++i) deep = "{\"k\":" + deep + "}";
  const std::string deepEvent =
      replace(eventToJson(sampleEvent()), "\"details\":{", "\"details\":{\"deep\":" + deep + ",");
  auto tooDeep = parseEventBatch(batchOf(deepEvent));
  REQUIRE_FALSE(tooDeep.ok());
  CHECK(tooDeep.error().message.find("nested deeper") != std::string::npos);

  std::string nested(100000, '[');
  CHECK_FALSE(parseEventBatch("{\"events\":" + nested).ok());  // the parser's own depth limit, no stack overflow

  BatchLimits limits;
  limits.maxEvents = 2;
  const std::string one = eventToJson(sampleEvent());
  auto tooMany = parseEventBatch(makeBatchBody({one, one, one}), limits);
  REQUIRE_FALSE(tooMany.ok());
  CHECK(tooMany.error().where == "/events");
}

TEST_CASE("event types and severities") {
  CHECK(isValidEventType("device.blocked"));
  CHECK(isValidEventType("p2p.killed"));
  CHECK(isValidEventType("activity.bulk_copy"));
  CHECK(isValidEventType("incident.opened"));
  CHECK_FALSE(isValidEventType("device"));
  CHECK_FALSE(isValidEventType("device."));
  CHECK_FALSE(isValidEventType(".device"));
  CHECK_FALSE(isValidEventType("Device.Blocked"));
  CHECK_FALSE(isValidEventType("device..blocked"));
  CHECK_FALSE(isValidEventType("device blocked"));
  CHECK(severityName(Severity::Critical) == "critical");
  CHECK(parseSeverity("medium") == Severity::Medium);
  CHECK_FALSE(parseSeverity("MEDIUM").has_value());
}

TEST_CASE("outside bytes the collector cannot store are written as \\xNN, and the event is accepted") {
  using namespace std::string_literals;
  // Valid text, every script, controls included, is kept as it is.
  CHECK(storableText("山田\n\x1b[2J\u202e") == "山田\n\x1b[2J\u202e");
  // A Shift_JIS file name ("資料" is 0x8E 0x91 0x97 0xBF), a lone continuation byte and a NUL.
  CHECK(storableText("/home/u/\x8E\x91\x97\xBF.docx") == "/home/u/\\x8e\\x91\\x97\\xbf.docx");
  CHECK(storableText("MTP\0evil\xC3("s) == "MTP\\x00evil\\xc3(");

  Event e = sampleEvent();
  e.host = "pc\xFF";
  e.user = "taro\0"s;
  const Poco::JSON::Object::Ptr original = e.details;
  Poco::JSON::Array::Ptr interfaces = new Poco::JSON::Array;
  Poco::JSON::Object::Ptr one = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  one->set("class", 6);
  one->set("string", "MTP\0\xFE"s);
  interfaces->add(one);
  e.details->set("usb.interfaces", interfaces);
  e.details->set("file.path", "/home/u/\x8E\x91\x97\xBF.docx"s);
  makeStorable(e);
  CHECK(e.host == "pc\\xff");
  CHECK(e.user == "taro\\x00");
  CHECK(e.details != original);  // copied: the caller's object is not changed
  CHECK(original->getValue<std::string>("file.path") == "/home/u/\x8E\x91\x97\xBF.docx");
  // Key order and every other value survive; the collector's own parser takes the event.
  CHECK(e.details->getNames() == std::vector<std::string>{"process.pid", "process.executable", "process.command_line",
                                                          "usb.interfaces", "file.path"});
  auto parsed = parseEventBatch(batchOf(eventToJson(e)));
  REQUIRE(parsed.ok());
  const auto& details = parsed.value().front().details;
  CHECK(details->getValue<int>("process.pid") == 4242);
  CHECK(details->getValue<std::string>("file.path") == "/home/u/\\x8e\\x91\\x97\\xbf.docx");
  CHECK(details->getArray("usb.interfaces")->getObject(0)->getValue<std::string>("string") == "MTP\\x00\\xfe");
  CHECK(parsed.value().front().host == "pc\\xff");

  // An event that needs nothing keeps its very details object.
  Event clean = sampleEvent();
  const Poco::JSON::Object::Ptr same = clean.details;
  makeStorable(clean);
  CHECK(clean.details == same);
  // Without it, the collector refuses the whole batch.
  Event raw = sampleEvent();
  raw.details->set("file.path", "/home/u/\x8E\x91.docx"s);
  CHECK_FALSE(parseEventBatch(batchOf(eventToJson(raw))).ok());
}

TEST_CASE("a string longer than the collector takes is cut between characters, and the event is accepted") {
  using namespace std::string_literals;
  const std::size_t limit = EventLimits{}.maxStringBytes;
  // A program started with a 20 KiB argument, a zip member named with 7000 Japanese characters, a
  // Shift_JIS name of 6000 bytes (each written as 4 bytes "\xNN"): each one refused the whole batch.
  const std::string arg(20'000, 'A');
  std::string member = "/home/u/old.zip!";
  for (int i = 0; i < 7000; ++i) member += "資";
  const std::string sjis(6000, '\x8E');
  for (const std::string& text : {arg, member, sjis}) {
    const std::string stored = storableText(text);
    CHECK(stored.size() <= limit);
    CHECK(isValidUtf8(stored));
    CHECK(stored.find(kCutMark) != std::string::npos);
    CHECK(stored.substr(stored.size() - 7) == " bytes]");
    CHECK(stored.find(std::to_string(text.size()) + " bytes]") != std::string::npos);
  }
  CHECK(storableText(member).rfind("/home/u/old.zip!資資", 0) == 0);
  CHECK(storableText(std::string(limit, 'x')) == std::string(limit, 'x'));  // at the limit: as it is

  Event e = sampleEvent();
  Poco::JSON::Array::Ptr args = new Poco::JSON::Array;
  args->add("aria2c"s);
  args->add("--header=" + arg);
  e.details->set("process.args", args);
  e.details->set("container_path", member);
  Event raw = e;
  raw.details = new Poco::JSON::Object(*e.details);
  CHECK_FALSE(parseEventBatch(batchOf(eventToJson(raw))).ok());  // without it: the batch is refused
  makeStorable(e);
  auto parsed = parseEventBatch(batchOf(eventToJson(e)));
  REQUIRE(parsed.ok());
  CHECK(parsed.value().front().details->getArray("process.args")->getElement<std::string>(0) == "aria2c");
}

TEST_CASE("details with more keys than the collector takes keep their first items, and say how many were left out") {
  using namespace std::string_literals;
  // A zip of 100 company files: 100 matches of four keys, plus the event's own details.
  Event e = sampleEvent();
  Poco::JSON::Array::Ptr matches = new Poco::JSON::Array;
  for (int i = 0; i < 100; ++i) {
    Poco::JSON::Object::Ptr match = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    match->set("type", "rule"s);
    match->set("name", "company:confidential"s);
    match->set("count", 1);
    match->set("container_path", "/home/u/old.zip!doc" + std::to_string(i) + ".docx");
    matches->add(match);
  }
  e.details->set("content.matches", matches);
  Poco::JSON::Array::Ptr args = new Poco::JSON::Array;  // strings hold no keys: kept whole
  for (int i = 0; i < 1000; ++i) args->add("-v"s);
  e.details->set("process.args", args);
  const Poco::JSON::Object::Ptr original = e.details;
  CHECK_FALSE(parseEventBatch(batchOf(eventToJson(e))).ok());  // as it is: the whole batch refused
  makeStorable(e);
  CHECK(original->getArray("content.matches")->size() == 100);  // the caller's object is not changed
  auto parsed = parseEventBatch(batchOf(eventToJson(e)));
  REQUIRE(parsed.ok());
  const auto& details = parsed.value().front().details;
  const auto kept = details->getArray("content.matches");
  const auto leftOut = details->getValue<int>(std::string(kItemsLeftOut));
  CHECK(kept->size() + static_cast<std::size_t>(leftOut) == 100);
  CHECK(kept->size() >= 55);  // as many as fit: 256 keys less the event's own
  CHECK(kept->getObject(0)->getValue<std::string>("container_path") == "/home/u/old.zip!doc0.docx");
  CHECK(details->getArray("process.args")->size() == 1000);
  CHECK(details->getValue<int>("process.pid") == 4242);  // everything else as it was
  // An event within the limit is left alone.
  Event small = sampleEvent();
  const Poco::JSON::Object::Ptr same = small.details;
  makeStorable(small);
  CHECK(small.details == same);
  CHECK_FALSE(small.details->has(std::string(kItemsLeftOut)));
}
