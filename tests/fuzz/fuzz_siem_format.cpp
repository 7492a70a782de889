// The SIEM formatters take agent-chosen values (type, host, user, ids, details JSON) and the SIEM
// config parser takes an administrator's file: neither may crash, and no value may break a line,
// a syslog frame or the JSON object.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collector/siem/Formatters.h"
#include "collector/siem/SiemConfig.h"
#include "common/Result.h"
#include "common/Utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::collector::siem;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  (void)parseSiemConfig(text);

  // Fields separated by NUL: type, host, user, agent id, id, details; severity from the first byte.
  std::vector<std::string> fields(6);
  std::size_t field = 0;
  for (std::size_t i = size > 0 ? 1 : 0; i < size; ++i) {
    if (text[i] == '\0' && field + 1 < fields.size()) {
      ++field;
    } else {
      fields[field] += text[i];
    }
  }
  StoredEvent event;
  event.severity = size > 0 ? static_cast<int>(data[0] % 7) - 1 : 0;
  event.type = fields[0];
  event.host = fields[1];
  event.user = fields[2];
  event.agentId = fields[3];
  event.id = fields[4];
  event.detailsJson = fields[5];
  event.timeMs = static_cast<std::int64_t>(size) * 1'000'003;

  const std::string cef = formatCef(event, "1.0");
  MAMORI_ASSERT(cef.find_first_of("\r\n") == std::string::npos);
  MAMORI_ASSERT(mamori::common::isValidUtf8(cef));
  const std::string message = formatSyslog(event, cef, {});
  MAMORI_ASSERT(message.find_first_of("\r\n") == std::string::npos);
  MAMORI_ASSERT(mamori::common::isValidUtf8(message));
  const std::string frame = octetCountingFrame(message);
  MAMORI_ASSERT(frame == std::to_string(message.size()) + " " + message);

  const std::string json = formatEcsJson(event, "1.0");
  MAMORI_ASSERT(json.find('\n') == std::string::npos);
  MAMORI_ASSERT(mamori::common::isValidUtf8(json));
  Poco::JSON::Parser parser;
  auto object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();  // throws (= crash) if not JSON
  MAMORI_ASSERT(object->getValue<std::string>("event.id") == toValidUtf8(event.id));
  return 0;
}
