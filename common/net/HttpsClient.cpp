#include "common/net/HttpsClient.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <sstream>

namespace mamori::common::net {

namespace {
// TLS 1.2+ only, forward-secret AEAD ciphers.
constexpr const char* kCipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL";
}  // namespace

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(const HttpsClientOptions& options) {
  Poco::URI uri;
  try {
    uri = Poco::URI(options.baseUrl);
  } catch (const Poco::Exception& e) {
    return makeError("not a valid URL: " + e.displayText(), options.baseUrl);
  }
  if (uri.getScheme() != "https") return makeError("the collector URL must start with https://", options.baseUrl);
  if (uri.getHost().empty()) return makeError("the collector URL has no host", options.baseUrl);
  auto context = makeClientTlsContext(options.caFile);
  if (!context) return context.error();
  return std::unique_ptr<HttpsClient>(new HttpsClient(options, context.value(), uri.getHost(), uri.getPort()));
}

Result<Poco::Net::Context::Ptr> makeClientTlsContext(const std::string& caFile) {
  try {
    Poco::Net::Context::Params params;
    params.caLocation = caFile;
    params.loadDefaultCAs = caFile.empty();
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.cipherList = kCipherList;
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    return context;
  } catch (const Poco::Exception& e) {
    return makeError("cannot set up TLS: " + e.displayText(), caFile.empty() ? "system CA store" : caFile);
  }
}

HttpsClient::HttpsClient(HttpsClientOptions options, Poco::Net::Context::Ptr context, std::string host,
                         unsigned short port)
    : options_(std::move(options)), context_(std::move(context)), host_(std::move(host)), port_(port) {
  reconnect();
}

HttpsClient::~HttpsClient() = default;

void HttpsClient::reconnect() {
  session_ = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, context_);
  session_->setKeepAlive(true);
  session_->setTimeout(Poco::Timespan(static_cast<long>(options_.timeoutMs) * 1000));
}

void HttpsClient::disconnect() {
  try {
    session_->reset();
  } catch (const Poco::Exception&) {
    reconnect();  // closing failed half-way: start from a fresh session
  }
}

Result<HttpResponse> HttpsClient::request(const std::string& method, const std::string& pathAndQuery,
                                          const std::string& body, const Headers& headers) {
  const std::string where = options_.baseUrl + pathAndQuery;
  try {
    Poco::Net::HTTPRequest request(method, pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (method != Poco::Net::HTTPRequest::HTTP_GET || !body.empty()) {
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& out = session_->sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpResponse result;
    result.status = static_cast<int>(response.getStatus());
    result.contentType = response.getContentType();
    result.retryAfter = response.get("Retry-After", "");
    result.etag = response.get("ETag", "");
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    result.body = text.str();
    return result;
  } catch (const Poco::Net::SSLException& e) {
    reconnect();
    return makeError("TLS failure (is --ca-file the collector's certificate?): " + e.displayText(), where);
  } catch (const Poco::Exception& e) {
    reconnect();
    return makeError("cannot reach the collector: " + e.displayText(), where);
  } catch (const std::exception& e) {
    reconnect();
    return makeError(std::string("cannot reach the collector: ") + e.what(), where);
  }
}

std::string urlEncode(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

}  // namespace mamori::common::net
