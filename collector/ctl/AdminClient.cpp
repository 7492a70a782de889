#include "collector/ctl/AdminClient.h"

#include "common/EventJson.h"

namespace mamori::collector::ctl {

common::Result<std::unique_ptr<AdminClient>> AdminClient::connect(const ConnectionOptions& options) {
  common::net::HttpsClientOptions http;
  http.baseUrl = options.collectorUrl;
  http.caFile = options.caFile;
  http.timeoutMs = options.timeoutMs;
  auto client = common::net::HttpsClient::create(http);
  if (!client) return client.error();
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(client).value(), options.token));
}

std::string AdminAnswer::describe() const {
  std::string message = "the collector answered " + std::to_string(status);
  if (object && object->has("error")) message += ": " + object->getValue<std::string>("error");
  if (object && object->has("where") && !object->getValue<std::string>("where").empty()) {
    message += " (at " + object->getValue<std::string>("where") + ")";
  }
  if (status == 401) message += "; check --token-file or MAMORI_ADMIN_TOKEN";
  return message;
}

common::Result<AdminAnswer> AdminClient::send(const std::string& method, const std::string& pathAndQuery,
                                              const std::string& jsonBody) {
  common::net::Headers headers = {{"Authorization", "Bearer " + token_}};
  if (!jsonBody.empty()) headers.emplace_back("Content-Type", "application/json");
  auto response = http_->request(method, pathAndQuery, jsonBody, headers);
  if (!response) return response.error();
  AdminAnswer answer;
  answer.status = response.value().status;
  answer.where = http_->baseUrl() + pathAndQuery;
  answer.body = response.value().body;
  auto parsed = common::parseJson(response.value().body, answer.where);
  if (parsed && parsed.value().type() == typeid(Poco::JSON::Object::Ptr)) {
    answer.object = parsed.value().extract<Poco::JSON::Object::Ptr>();
  }
  return answer;
}

common::Result<Poco::JSON::Object::Ptr> AdminClient::getJson(const std::string& pathAndQuery) {
  auto response = http_->request("GET", pathAndQuery, "", {{"Authorization", "Bearer " + token_}});
  if (!response) return response.error();
  const std::string where = http_->baseUrl() + pathAndQuery;
  auto parsed = common::parseJson(response.value().body, where);
  Poco::JSON::Object::Ptr object;
  if (parsed && parsed.value().type() == typeid(Poco::JSON::Object::Ptr)) {
    object = parsed.value().extract<Poco::JSON::Object::Ptr>();
  }
  if (response.value().status != 200) {
    std::string message = "the collector answered " + std::to_string(response.value().status);
    if (object && object->has("error")) message += ": " + object->getValue<std::string>("error");
    if (object && object->has("where") && !object->getValue<std::string>("where").empty()) {
      message += " (at " + object->getValue<std::string>("where") + ")";
    }
    if (response.value().status == 401) message += "; check --token-file or MAMORI_ADMIN_TOKEN";
    return common::makeError(message, where);
  }
  if (!object) return common::makeError("the collector's answer is not a JSON object", where);
  return object;
}

}  // namespace mamori::collector::ctl
