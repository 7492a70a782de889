#pragma once
// RFC 5424 syslog over TCP or TLS with RFC 6587 octet-counting framing, CEF in each message.

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include <memory>

#include "collector/siem/Formatters.h"
#include "collector/siem/Sink.h"

namespace mamori::collector::siem {

class SyslogSink final : public Sink {
 public:
  static common::Result<std::unique_ptr<SyslogSink>> create(const SinkConfig& config, std::string productVersion);
  common::Status send(const std::vector<StoredEvent>& events) override;
  common::Status settle() override;

 private:
  SyslogSink(SinkConfig config, std::string productVersion, Poco::Net::Context::Ptr context);
  common::Status connect();
  void disconnect();
  std::string where() const;

  SinkConfig config_;
  std::string productVersion_;
  SyslogOptions syslog_;
  Poco::Net::Context::Ptr context_;  // null for plain TCP
  std::unique_ptr<Poco::Net::StreamSocket> socket_;
};

}  // namespace mamori::collector::siem
