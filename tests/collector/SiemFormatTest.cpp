// The SIEM formatters with hostile values: a value can never forge another CEF field, another
// structured-data parameter, another syslog message or another JSON field.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "collector/siem/FileSink.h"
#include "collector/siem/Formatters.h"
#include "collector/siem/SiemConfig.h"
#include "common/Utf8.h"

using namespace mamori::collector::siem;

namespace {

StoredEvent sample() {
  StoredEvent e;
  e.key = {0, 42};
  e.id = "0193a8f2-7c4e-7d1a-9b3c-2f5e6a7b8c9d";
  e.type = "device.blocked";
  e.timeMs = 1'795'000'000'123;
  e.receivedMs = 1'795'000'001'000;
  e.severity = 2;
  e.agentId = "0193a8f2-0000-7000-8000-000000000001";
  e.host = "pc-042";
  e.user = "alice";
  e.detailsJson = R"({"file.path":"/media/x.txt","process.pid":4242})";
  return e;
}

// A CEF parser written from the spec, independent of the formatter: the header splits at
// unescaped '|', the extension at " key=" where '=' is unescaped.
struct Cef {
  std::vector<std::string> header;
  std::map<std::string, std::string> ext;
};

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      out += n == 'n' ? '\n' : n == 'r' ? '\r' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

Cef parseCef(const std::string& line) {
  Cef cef;
  std::string field;
  std::size_t i = 0;
  for (; i < line.size() && cef.header.size() < 7; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      field += line[++i];
    } else if (line[i] == '|') {
      cef.header.push_back(field);
      field.clear();
    } else {
      field += line[i];
    }
  }
  const std::string ext = line.substr(i);
  // Positions of unescaped '=' preceded by a key token that starts after a space (or at 0).
  std::vector<std::pair<std::size_t, std::size_t>> keys;  // (key start, '=' position)
  for (std::size_t p = 0; p < ext.size(); ++p) {
    if (ext[p] == '\\') {
      ++p;
      continue;
    }
    if (ext[p] != '=') continue;
    std::size_t k = p;
    while (k > 0 && std::isalnum(static_cast<unsigned char>(ext[k - 1]))) --k;
    if (k < p && (k == 0 || ext[k - 1] == ' ')) keys.emplace_back(k, p);
  }
  for (std::size_t n = 0; n < keys.size(); ++n) {
    const std::size_t valueStart = keys[n].second + 1;
    const std::size_t valueEnd = n + 1 < keys.size() ? keys[n + 1].first - 1 : ext.size();
    cef.ext[ext.substr(keys[n].first, keys[n].second - keys[n].first)] =
        unescape(ext.substr(valueStart, valueEnd - valueStart));
  }
  return cef;
}

}  // namespace

TEST_CASE("CEF: header and extension fields as documented") {
  const auto cef = parseCef(formatCef(sample(), "0.3.0"));
  REQUIRE(cef.header.size() == 7);
  CHECK(cef.header[0] == "CEF:0");
  CHECK(cef.header[1] == "mamori");
  CHECK(cef.header[2] == "mamori");
  CHECK(cef.header[3] == "0.3.0");
  CHECK(cef.header[4] == "device.blocked");
  CHECK(cef.header[5] == "USB device blocked");
  CHECK(cef.header[6] == "5");
  CHECK(cef.ext.at("rt") == "1795000000123");
  CHECK(cef.ext.at("externalId") == sample().id);
  CHECK(cef.ext.at("cat") == "device");
  CHECK(cef.ext.at("dvchost") == "pc-042");
  CHECK(cef.ext.at("duser") == "alice");
  CHECK(cef.ext.at("deviceExternalId") == sample().agentId);
  CHECK(cef.ext.at("filePath") == "/media/x.txt");
  CHECK(cef.ext.at("spid") == "4242");
  CHECK(cef.ext.at("cs1Label") == "mamoriDetails");
  CHECK(cef.ext.at("cs1") == sample().detailsJson);
  CHECK(cef.ext.at("cs2") == "medium");
}

TEST_CASE("CEF: an unknown type is its own name; severities map to the documented scale") {
  auto e = sample();
  e.type = "p2p.killed";
  CHECK(parseCef(formatCef(e, "1")).header[5] == "p2p.killed");
  CHECK(cefSeverity(0) == 1);
  CHECK(cefSeverity(1) == 3);
  CHECK(cefSeverity(2) == 5);
  CHECK(cefSeverity(3) == 8);
  CHECK(cefSeverity(4) == 10);
  CHECK(syslogSeverity(0) == 6);
  CHECK(syslogSeverity(3) == 3);
  CHECK(syslogSeverity(4) == 2);
}

TEST_CASE("CEF: hostile values cannot forge fields, headers or lines") {
  auto e = sample();
  e.user = "bob\nrt=0 duser=mallory\\ cs2=critical|x\r";
  e.host = "h|o=s\\t";
  e.type = "a.b|c\\";
  e.detailsJson = R"({"file.path":"C:\\evil= act=x\nfoo"})";
  const std::string line = formatCef(e, "1|2");
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  const auto cef = parseCef(line);
  REQUIRE(cef.header.size() == 7);
  CHECK(cef.header[3] == "1|2");
  CHECK(cef.header[4] == "a.b|c\\");
  CHECK(cef.ext.at("duser") == e.user);
  CHECK(cef.ext.at("dvchost") == e.host);
  CHECK(cef.ext.at("filePath") == "C:\\evil= act=x\nfoo");
  CHECK(cef.ext.at("rt") == "1795000000123");  // not the forged rt=0
  CHECK(cef.ext.at("cs2") == "medium");        // not the forged severity
  CHECK(cef.ext.count("act") == 0);
  CHECK(cefHeaderEscape("a|b\\c\nd") == "a\\|b\\\\c d");
  CHECK(cefExtensionEscape("a=b\\c\nd\re") == "a\\=b\\\\c\\nd\\re");
}

TEST_CASE("C1 controls and Unicode line ends never reach a SIEM's line raw") {
  // A USB product string or file name with NEL (a line end to Unicode-aware viewers), the 8-bit CSI
  // that clears a terminal running tail -f on the receiver's file, and the line/paragraph separators.
  const std::string nel = "\xC2\x85", csi = "\xC2\x9B", ls = "\xE2\x80\xA8", ps = "\xE2\x80\xA9";
  const std::string hostile = "Stick" + nel + "rt=0" + csi + "2J" + ls + "x" + ps + "y 社外秘";
  auto e = sample();
  e.host = hostile;
  e.user = hostile;
  e.detailsJson = "{\"file.path\":\"/a" + nel + csi + ls + ps + "b\"}";
  for (const std::string& line : {formatCef(e, "1"), formatSyslog(e, formatCef(e, "1"), {}), formatEcsJson(e, "1")}) {
    for (const std::string& raw : {nel, csi, ls, ps}) CHECK(line.find(raw) == std::string::npos);
    CHECK(line.find("社外秘") != std::string::npos);  // every script kept
  }
  CHECK(cefExtensionEscape(hostile) == "Stick rt\\=0 2J x y 社外秘");
  CHECK(cefHeaderEscape(hostile) == "Stick rt=0 2J x y 社外秘");
  CHECK(sdEscape(hostile) == "Stick rt=0 2J x y 社外秘");
  // JSON keeps the exact value, escaped.
  Poco::JSON::Parser parser;
  auto object = parser.parse(formatEcsJson(e, "1")).extract<Poco::JSON::Object::Ptr>();
  CHECK(object->getValue<std::string>("host.name") == hostile);
  CHECK(object->getValue<std::string>("file.path") == "/a" + nel + csi + ls + ps + "b");
}

TEST_CASE("non-UTF-8 bytes become U+FFFD in every format") {
  auto e = sample();
  e.host = std::string("pc\xff\xfe-1");
  e.user = std::string("\xc3\x28 ok \xe2\x82\xac");  // bad 2-byte sequence, then a valid euro sign
  e.detailsJson = std::string("{\"file.path\":\"/a\xff\"}");
  CHECK(toValidUtf8(e.user) == "\xEF\xBF\xBD( ok \xe2\x82\xac");
  const std::string cef = formatCef(e, "1");
  CHECK(mamori::common::isValidUtf8(cef));
  CHECK(parseCef(cef).ext.at("dvchost") == "pc\xEF\xBF\xBD\xEF\xBF\xBD-1");
  CHECK(mamori::common::isValidUtf8(formatSyslog(e, cef, {})));
  const std::string json = formatEcsJson(e, "1");
  CHECK(mamori::common::isValidUtf8(json));
}

TEST_CASE("RFC 5424: octet-counted frame, escaped structured data, one line") {
  auto e = sample();
  e.agentId = "a\"] [x@1 y=\"z\\";
  e.host = "host with spaces\n";
  e.type = "content.match";
  e.severity = 3;
  const std::string message = formatSyslog(e, "CEF:0|line\nbreak", {});
  CHECK(message.rfind("<131>1 2026-11-18T", 0) == 0);  // local0 (16) * 8 + err (3)
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find(" host_with_spaces_ mamori - content.match [mamori@32473 event_id=\"") != std::string::npos);
  CHECK(message.find("agent_id=\"a\\\"\\] [x@1 y=\\\"z\\\\\"") != std::string::npos);
  CHECK(message.find("severity=\"high\" ingest=\"0.42\"] CEF:0|line break") != std::string::npos);
  const std::string frame = octetCountingFrame(message);
  const auto space = frame.find(' ');
  CHECK(std::stoul(frame.substr(0, space)) == message.size());
  CHECK(frame.substr(space + 1) == message);
  CHECK(sdEscape("a\"b\\c]d") == "a\\\"b\\\\c\\]d");
  CHECK(sdEscape("a\nb\rc\td") == "a b c d");
  e.agentId = "id\n<13>1 2026-01-01T00:00:00Z forged mamori - x - injected";
  CHECK(formatSyslog(e, "m", {}).find('\n') == std::string::npos);
}

TEST_CASE("very long values are capped so a message stays within receiver limits") {
  auto e = sample();
  e.user = std::string(200'000, 'u');
  e.host = std::string(100'000, 'h');
  e.detailsJson = "{\"file.path\":\"" + std::string(300'000, '=') + "\"}";
  const std::string cef = formatCef(e, "1");
  CHECK(cef.size() < 40'000);
  const std::string message = formatSyslog(e, cef, {});
  CHECK(message.size() < 41'000);
  const auto parsed = parseCef(cef);
  CHECK(parsed.ext.at("duser").size() == 1024);
  CHECK(parsed.ext.at("cs2") == "medium");  // fields after the long ones are intact
}

TEST_CASE("ECS JSON: one line, documented fields, details cannot overwrite the envelope") {
  auto e = sample();
  e.detailsJson = R"({"file.path":"/x\ny","event.id":"forged","mamori.ingest":"9.9","@timestamp":"x","process.pid":7})";
  const std::string line = formatEcsJson(e, "0.3.0");
  CHECK(line.find('\n') == std::string::npos);
  Poco::JSON::Parser parser;
  auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
  CHECK(object->getValue<std::string>("@timestamp") == "2026-11-18T11:06:40.123Z");
  CHECK(object->getValue<std::string>("event.id") == e.id);
  CHECK(object->getValue<std::string>("event.action") == "device.blocked");
  CHECK(object->getValue<std::string>("event.dataset") == "mamori.device");
  CHECK(object->getValue<std::string>("event.kind") == "event");
  CHECK(object->getValue<int>("event.severity") == 5);
  CHECK(object->getValue<std::string>("log.level") == "medium");
  CHECK(object->getValue<std::string>("host.name") == "pc-042");
  CHECK(object->getValue<std::string>("user.name") == "alice");
  CHECK(object->getValue<std::string>("agent.id") == e.agentId);
  CHECK(object->getValue<std::string>("observer.version") == "0.3.0");
  CHECK(object->getValue<std::string>("file.path") == "/x\ny");
  CHECK(object->getValue<int>("process.pid") == 7);
  CHECK(object->getValue<std::string>("mamori.details.event.id") == "forged");
  CHECK(object->getValue<std::string>("mamori.details.mamori.ingest") == "9.9");
  CHECK(object->getValue<std::string>("mamori.ingest") == "0.42");
  e.detailsJson = "not json";
  auto raw = parser.parse(formatEcsJson(e, "1")).extract<Poco::JSON::Object::Ptr>();
  CHECK(raw->getValue<std::string>("mamori.details_raw") == "not json");
}

TEST_CASE("SIEM config: a valid file") {
  auto config = parseSiemConfig(R"({"lease_ms": 5000, "sinks": [
    {"name": "soc", "kind": "syslog", "transport": "tls", "host": "siem.example", "port": 6514,
     "ca_file": "/etc/mamori/siem-ca.pem", "min_severity": "medium", "types": ["device.", "content.match"]},
    {"name": "archive", "kind": "file", "path": "/var/log/mamori/events.jsonl", "max_bytes": 1048576, "keep": 3},
    {"name": "hook", "kind": "http", "url": "https://hooks.example/x?y=1", "headers": {"Authorization": "Bearer t"},
     "min_severity": "high", "batch_size": 1}]})");
  REQUIRE(config.ok());
  const auto& sinks = config.value().sinks;
  REQUIRE(sinks.size() == 3);
  CHECK(config.value().leaseMs == 5000);
  CHECK(sinks[0].tls);
  CHECK(sinks[0].port == 6514);
  CHECK(sinks[0].wants("device.blocked", 2));
  CHECK_FALSE(sinks[0].wants("device.blocked", 1));
  CHECK_FALSE(sinks[0].wants("policy.applied", 4));
  CHECK(sinks[0].wants("content.match", 3));
  CHECK(sinks[1].maxBytes == 1048576);
  CHECK(sinks[1].keep == 3);
  CHECK(sinks[2].headers.at(0).second == "Bearer t");
  CHECK(sinks[2].batchSize == 1);
}

TEST_CASE("SIEM config: errors name the field") {
  auto where = [](const char* json) {
    auto config = parseSiemConfig(json);
    REQUIRE_FALSE(config.ok());
    return config.error().where;
  };
  CHECK(where("{") == "");
  CHECK(where(R"({})") == "/sinks");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "syslog", "host": "h", "port": 1, "prot": 2}]})") == "/sinks/0/prot");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "syslog", "host": "h"}]})") == "/sinks/0/port");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "syslog", "host": "h", "port": 70000}]})") == "/sinks/0/port");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "syslog", "host": "h", "port": 1, "ca_file": "x"}]})") ==
        "/sinks/0/ca_file");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "mail"}]})") == "/sinks/0/kind");
  CHECK(where(R"({"sinks": [{"name": "a b", "kind": "file", "path": "/x"}]})") == "/sinks/0/name");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "file", "path": "rel"}]})") == "/sinks/0/path");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "file", "path": "/x", "min_severity": "severe"}]})") ==
        "/sinks/0/min_severity");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "file", "path": "/x", "types": ["", "x"]}]})") == "/sinks/0/types/0");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "http", "url": "http://plain/"}]})") == "/sinks/0/url");
  CHECK(where(R"({"sinks": [{"name": "a", "kind": "http", "url": "https://h/", "headers": {"X": "a\nb"}}]})") ==
        "/sinks/0/headers/X");
  CHECK(
      where(
          R"({"sinks": [{"name": "a", "kind": "file", "path": "/x"}, {"name": "a", "kind": "file", "path": "/y"}]})") ==
      "/sinks/1/name");
}

TEST_CASE("file rotation: where a batch splits") {
  const std::vector<std::string> lines = {"aaaa", "bbbb", "cccc"};
  CHECK(linesThatFit(lines, 0, 100) == 3);
  CHECK(linesThatFit(lines, 0, 8) == 2);
  CHECK(linesThatFit(lines, 6, 8) == 0);
  CHECK(linesThatFit(lines, 0, 2) == 1);  // an empty file takes one line, however long
  CHECK(linesThatFit({}, 50, 8) == 0);
}
