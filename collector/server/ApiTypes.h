#pragma once
// The HTTP layer's view of one request and its answer, independent of the server so the API logic
// can be tested with plain values. The connection layer reads a body into memory, up to the limit,
// before the handler runs; a body announced larger is never read and readBody reports tooLarge.

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mamori::collector::server {

struct BodyRead {
  std::string data;
  bool tooLarge = false;  // more than maxBytes were sent (data then holds only a prefix)
  bool failed = false;    // the connection broke while reading
};

struct ApiRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::string authorization;
  std::string cookie;         // the Cookie header (web console session)
  std::string csrfToken;      // the X-CSRF-Token header
  std::string ifNoneMatch;    // the If-None-Match header (an agent's tag of a set file it refused)
  std::string clientAddress;  // the peer's IP address, for sign-in throttling
  std::string contentType;
  std::string contentEncoding;
  std::optional<std::int64_t> contentLength;  // nullopt when chunked / not sent
  std::function<BodyRead(std::size_t maxBytes)> readBody;
};

// What a handler adds to its call's audit record beyond what CollectorApi::handle knows itself
// (docs/decisions/0021-admin-audit-trail.md). Empty fields are left out or take the default.
struct AuditNote {
  std::string actor;   // who, when the handler learned it (the user name of a sign-in)
  std::string target;  // what was acted on: "group:finance", "agent:<id>"
  std::string before;  // the value before the change, where it applies
  std::string after;
  std::string detail;  // why it was refused (jsonError fills it) or a short note
};

struct ApiResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string endpoint;  // metrics label: "enroll", "events", "heartbeat", ...
  AuditNote audit;       // never sent: for the audit trail
};

// Answers one request; CollectorApi::handle is the real one.
using RequestHandler = std::function<ApiResponse(const ApiRequest&)>;

// {"error": what, "where": where}
ApiResponse jsonError(int status, const std::string& what, const std::string& where);

// JSON string literal (quoted, escaped).
std::string jsonString(const std::string& text);

// A query parameter of decimal digits only (no sign), at most maxDigits (at most 18) of them, from min to
// max; nullopt for anything else.
std::optional<std::int64_t> queryDigits(const std::string& text, std::size_t maxDigits, std::int64_t min = 0,
                                        std::int64_t max = std::numeric_limits<std::int64_t>::max());

// A query parameter as a whole number of at most maxDigits digits (a leading '-' allowed), or nullopt.
std::optional<std::int64_t> queryInteger(const std::string& text, std::size_t maxDigits);

// A query parameter that is a time: UTC text like 2026-11-23T02:48:03.123Z or Unix milliseconds.
std::optional<std::int64_t> queryTimeMs(const std::string& text);

// A request body as a JSON object, or the 400 answer.
std::variant<Poco::JSON::Object::Ptr, ApiResponse> jsonObject(const std::string& text);

}  // namespace mamori::collector::server
