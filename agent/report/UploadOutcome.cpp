#include "agent/report/UploadOutcome.h"

#include <Poco/JSON/Object.h>

#include "common/EventJson.h"
#include "common/RetryAfter.h"

namespace mamori::agent {

UploadOutcome classifyUpload(const common::Result<common::net::HttpResponse>& result) {
  if (!result) return UploadOutcome::Retry;
  const int status = result.value().status;
  if (status >= 200 && status < 300) return UploadOutcome::Delivered;
  if (status == 401) return UploadOutcome::AuthFailed;
  if (status == 413) return UploadOutcome::TooLarge;
  if (status == 408 || status == 429) return UploadOutcome::Retry;
  if (status >= 400 && status < 500) return UploadOutcome::Final;
  return UploadOutcome::Retry;  // 5xx, and anything unexpected (1xx, 3xx): a later try may succeed
}

const char* outcomeName(UploadOutcome outcome) {
  switch (outcome) {
    case UploadOutcome::Delivered: return "delivered";
    case UploadOutcome::Retry: return "retry";
    case UploadOutcome::Final: return "final";
    case UploadOutcome::AuthFailed: return "auth failed";
    case UploadOutcome::TooLarge: return "too large";
  }
  return "?";
}

std::optional<std::int64_t> retryAfterMs(const common::Result<common::net::HttpResponse>& result, std::int64_t nowMs) {
  if (!result) return std::nullopt;
  const auto& response = result.value();
  if ((response.status != 429 && response.status != 503) || response.retryAfter.empty()) return std::nullopt;
  return common::parseRetryAfterMs(response.retryAfter, nowMs);
}

CollectorError parseCollectorError(const std::string& body) {
  CollectorError out;
  auto parsed = common::parseJson(body, "response");
  if (parsed && parsed.value().type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto obj = parsed.value().extract<Poco::JSON::Object::Ptr>();
    if (obj->has("error") && obj->get("error").isString()) out.error = obj->getValue<std::string>("error");
    if (obj->has("where") && obj->get("where").isString()) out.where = obj->getValue<std::string>("where");
  }
  if (out.error.empty()) out.error = body.substr(0, 200);
  return out;
}

}  // namespace mamori::agent
