#pragma once
// mamorictl's connection to the collector: common/net/HttpsClient plus the admin token, answers
// parsed as JSON, and a collector's {"error","where"} turned into an Error.

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <memory>
#include <string>

#include "common/Result.h"
#include "common/net/HttpsClient.h"

namespace mamori::collector::ctl {

struct ConnectionOptions {
  std::string collectorUrl;           // --collector / MAMORI_COLLECTOR
  std::string caFile;                 // --ca-file / MAMORI_CA_FILE
  std::string token;                  // from --token-file / MAMORI_ADMIN_TOKEN_FILE / MAMORI_ADMIN_TOKEN
  int timeoutMs = kDefaultTimeoutMs;  // --timeout SECONDS: how long one request may take
  static constexpr int kDefaultTimeoutMs = 30'000;
  // The requests that make the collector build a set (fingerprints add, edm add's last part) wait at
  // least this long: a set of a million rows takes minutes to build and sign on a busy collector.
  static constexpr int kSetBuildTimeoutMs = 30 * 60'000;
  ConnectionOptions forSetBuilds() const {
    ConnectionOptions out = *this;
    out.timeoutMs = std::max(timeoutMs, kSetBuildTimeoutMs);
    return out;
  }
};

// An answer whatever its status: the JSON object (null when the body is not one) and the status.
struct AdminAnswer {
  int status = 0;
  Poco::JSON::Object::Ptr object;
  std::string where;  // the URL, for messages
  std::string body;   // the answer's text as received (mamorictl audit verify parses it strictly)
  // "the collector answered 400: <error> (at <where>)"
  std::string describe() const;
};

class AdminClient {
 public:
  static common::Result<std::unique_ptr<AdminClient>> connect(const ConnectionOptions& options);

  // GET pathAndQuery; a JSON object on 200, else an Error with the collector's message.
  common::Result<Poco::JSON::Object::Ptr> getJson(const std::string& pathAndQuery);

  // Any method with a JSON body; only network failures are errors, every status is an answer.
  common::Result<AdminAnswer> send(const std::string& method, const std::string& pathAndQuery,
                                   const std::string& jsonBody);

 private:
  AdminClient(std::unique_ptr<common::net::HttpsClient> http, std::string token)
      : http_(std::move(http)), token_(std::move(token)) {}

  std::unique_ptr<common::net::HttpsClient> http_;
  std::string token_;
};

}  // namespace mamori::collector::ctl
