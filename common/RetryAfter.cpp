#include "common/RetryAfter.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <limits>
#include <string>

namespace mamori::common {

namespace {

constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1000;
constexpr std::size_t kMaxDateBytes = 64;  // "Sun, 06 Nov 1994 08:49:37 GMT" is 29

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::optional<std::int64_t> parseSeconds(std::string_view text) {
  std::int64_t seconds = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds >= kMaxSeconds / 10 ? kMaxSeconds : seconds * 10 + (c - '0');
  }
  return std::min(seconds, kMaxSeconds) * 1000;
}

std::optional<std::int64_t> parseHttpDate(std::string_view text, std::int64_t nowMs) {
  if (text.size() > kMaxDateBytes) return std::nullopt;
  // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form servers must send; the obsolete forms
  // are not worth a parser of their own here.
  const std::string value(text);
  Poco::DateTime parsed;
  int zoneDifferential = 0;
  try {
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::HTTP_FORMAT, value, parsed, zoneDifferential)) {
      return std::nullopt;
    }
  } catch (const Poco::Exception&) {  // tryParse still throws on some out-of-range fields
    return std::nullopt;
  }
  if (zoneDifferential != 0) return std::nullopt;  // an HTTP-date is always GMT
  // Poco's parser is lenient (day 32, hour 25 roll over): accept only what formats back to the same text.
  if (Poco::DateTimeFormatter::format(parsed, Poco::DateTimeFormat::HTTP_FORMAT) != value) return std::nullopt;
  const std::int64_t atMs = parsed.timestamp().epochMicroseconds() / 1000;
  return std::max<std::int64_t>(atMs - nowMs, 0);
}

}  // namespace

std::optional<std::int64_t> parseRetryAfterMs(std::string_view value, std::int64_t nowMs) {
  const std::string_view text = trim(value);
  if (text.empty()) return std::nullopt;
  if (text.front() >= '0' && text.front() <= '9') return parseSeconds(text);
  return parseHttpDate(text, nowMs);
}

}  // namespace mamori::common
