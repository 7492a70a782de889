#include "collector/server/ApiTypes.h"

#include <Poco/JSONString.h>

#include <algorithm>
#include <charconv>

#include "common/Clock.h"
#include "common/EventJson.h"

namespace mamori::collector::server {

std::string jsonString(const std::string& text) { return Poco::toJSON(text); }

ApiResponse jsonError(int status, const std::string& what, const std::string& where) {
  ApiResponse response;
  response.status = status;
  response.body = "{\"error\":" + jsonString(what) + ",\"where\":" + jsonString(where) + "}";
  response.audit.detail = where.empty() ? what : what + " (" + where + ")";
  return response;
}

std::variant<Poco::JSON::Object::Ptr, ApiResponse> jsonObject(const std::string& text) {
  auto parsed = common::parseJson(text, "body");
  if (!parsed) return jsonError(400, parsed.error().message, parsed.error().where);
  if (parsed.value().type() != typeid(Poco::JSON::Object::Ptr)) return jsonError(400, "expected a JSON object", "/");
  return parsed.value().extract<Poco::JSON::Object::Ptr>();
}

std::optional<std::int64_t> queryDigits(const std::string& text, std::size_t maxDigits, std::int64_t min,
                                        std::int64_t max) {
  if (text.empty() || text.size() > std::min<std::size_t>(maxDigits, 18) ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);  // 18 digits at most: no overflow
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::optional<std::int64_t> queryInteger(const std::string& text, std::size_t maxDigits) {
  const bool negative = !text.empty() && text[0] == '-';
  const auto value = queryDigits(negative ? text.substr(1) : text, maxDigits);
  if (!value) return std::nullopt;
  return negative ? -*value : *value;
}

std::optional<std::int64_t> queryTimeMs(const std::string& text) {
  if (auto ms = queryInteger(text, 15)) return ms;
  return common::parseUtcMs(text);
}

}  // namespace mamori::collector::server
