#include "collector/siem/HttpSink.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "collector/siem/FileSink.h"
#include "collector/siem/Formatters.h"
#include "collector/siem/SyslogSink.h"

namespace mamori::collector::siem {

common::Result<std::unique_ptr<HttpSink>> HttpSink::create(const SinkConfig& config, std::string productVersion) {
  std::string base, path;
  try {
    Poco::URI uri(config.url);
    base = uri.getScheme() + "://" + uri.getAuthority();
    path = uri.getPathAndQuery();
    if (path.empty()) path = "/";
  } catch (const Poco::Exception& e) {
    return common::makeError("not a valid URL: " + e.displayText(), config.url);
  }
  common::net::HttpsClientOptions options;
  options.baseUrl = base;
  options.caFile = config.caFile;
  options.timeoutMs = config.timeoutMs;
  auto client = common::net::HttpsClient::create(options);
  if (!client) return client.error();
  return std::unique_ptr<HttpSink>(new HttpSink(config, std::move(productVersion), std::move(client).value(), path));
}

HttpSink::HttpSink(SinkConfig config, std::string productVersion, std::unique_ptr<common::net::HttpsClient> client,
                   std::string path)
    : config_(std::move(config)),
      productVersion_(std::move(productVersion)),
      client_(std::move(client)),
      path_(std::move(path)) {}

common::Status HttpSink::send(const std::vector<StoredEvent>& events) {
  std::string body;
  for (const auto& event : events) {
    body += formatEcsJson(event, productVersion_);
    body += '\n';
  }
  common::net::Headers headers = {{"Content-Type", "application/x-ndjson"}};
  for (const auto& header : config_.headers) headers.push_back(header);
  auto response = client_->request("POST", path_, body, headers);
  if (!response) return response.error();
  const int status = response.value().status;
  if (status < 200 || status > 299) {
    return common::makeError("the endpoint answered HTTP " + std::to_string(status), config_.url);
  }
  return common::Ok{};
}

common::Result<std::unique_ptr<Sink>> makeSink(const SinkConfig& config, const std::string& productVersion) {
  switch (config.kind) {
    case SinkKind::Syslog: {
      auto sink = SyslogSink::create(config, productVersion);
      if (!sink) return sink.error();
      return std::unique_ptr<Sink>(std::move(sink).value());
    }
    case SinkKind::File: return std::unique_ptr<Sink>(std::make_unique<FileSink>(config, productVersion));
    case SinkKind::Http: {
      auto sink = HttpSink::create(config, productVersion);
      if (!sink) return sink.error();
      return std::unique_ptr<Sink>(std::move(sink).value());
    }
  }
  return common::makeError("unknown sink kind", config.name);
}

}  // namespace mamori::collector::siem
