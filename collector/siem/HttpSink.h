#pragma once
// Batches of JSON lines POSTed to an HTTPS endpoint (application/x-ndjson): log pipelines, and,
// with a severity or type filter in the config, a webhook for incidents. A 2xx answer acknowledges
// the batch; anything else is retried.

#include <memory>
#include <string>

#include "collector/siem/Sink.h"
#include "common/net/HttpsClient.h"

namespace mamori::collector::siem {

class HttpSink final : public Sink {
 public:
  static common::Result<std::unique_ptr<HttpSink>> create(const SinkConfig& config, std::string productVersion);
  common::Status send(const std::vector<StoredEvent>& events) override;

 private:
  HttpSink(SinkConfig config, std::string productVersion, std::unique_ptr<common::net::HttpsClient> client,
           std::string path);
  SinkConfig config_;
  std::string productVersion_;
  std::unique_ptr<common::net::HttpsClient> client_;
  std::string path_;
};

}  // namespace mamori::collector::siem
