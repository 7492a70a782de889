#pragma once
// A small HTTPS client over Poco::Net for the agent and mamorictl: one keep-alive connection, the
// collector's certificate pinned through a CA file, host name verified. Network failures are
// errors (values); HTTP statuses are answers, whatever their number. Not thread-safe: one per thread.

#include <Poco/Net/Context.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/Result.h"

namespace Poco::Net {
class HTTPSClientSession;
}

namespace mamori::common::net {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string contentType;
  std::string retryAfter;  // the Retry-After header ("" when absent): 429 and 503 carry it
  std::string etag;        // the ETag header ("" when absent): signed set files carry it
};

struct HttpsClientOptions {
  std::string baseUrl;  // "https://collector.example:8443"
  std::string caFile;   // PEM file with the certificate(s) to trust; "" = the system's CA store
  int timeoutMs = 30'000;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpsClient {
 public:
  static Result<std::unique_ptr<HttpsClient>> create(const HttpsClientOptions& options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // pathAndQuery starts with '/'. The body is sent as is; set Content-Type/-Encoding in headers.
  Result<HttpResponse> request(const std::string& method, const std::string& pathAndQuery, const std::string& body,
                               const Headers& headers);

  // Closes the kept-alive connection now; the next request opens a new one. For a client with
  // nothing to send for a while: an idle connection costs the server a slot for nothing.
  void disconnect();

  const std::string& baseUrl() const { return options_.baseUrl; }

 private:
  HttpsClient(HttpsClientOptions options, Poco::Net::Context::Ptr context, std::string host, unsigned short port);
  void reconnect();

  HttpsClientOptions options_;
  Poco::Net::Context::Ptr context_;
  std::string host_;
  unsigned short port_;
  std::unique_ptr<Poco::Net::HTTPSClientSession> session_;
};

// The TLS client context every mamori client uses: TLS 1.2+, forward-secret AEAD ciphers, the peer
// verified against caFile ("" = the system's CA store). Errors name the CA file.
Result<Poco::Net::Context::Ptr> makeClientTlsContext(const std::string& caFile);

// Percent-encodes a query parameter value.
std::string urlEncode(const std::string& value);

}  // namespace mamori::common::net
