#include "collector/siem/SyslogSink.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <mutex>

#include "common/net/HttpsClient.h"

namespace mamori::collector::siem {

namespace {
constexpr long kConnectTimeoutUs = 10'000'000;
constexpr long kSendTimeoutUs = 30'000'000;
// How long a receiver gets to read what we wrote before an open connection counts as proof of
// delivery. rsyslog reads its sockets continuously; a stopped one closes them (RST/FIN) at once.
constexpr long kSettleUs = 300'000;
}  // namespace

common::Result<std::unique_ptr<SyslogSink>> SyslogSink::create(const SinkConfig& config, std::string productVersion) {
  Poco::Net::Context::Ptr context;
  if (config.tls) {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Net::initializeSSL(); });
    auto made = common::net::makeClientTlsContext(config.caFile);
    if (!made) return made.error();
    context = made.value();
  }
  return std::unique_ptr<SyslogSink>(new SyslogSink(config, std::move(productVersion), context));
}

SyslogSink::SyslogSink(SinkConfig config, std::string productVersion, Poco::Net::Context::Ptr context)
    : config_(std::move(config)), productVersion_(std::move(productVersion)), context_(std::move(context)) {
  syslog_.facility = config_.facility;
}

std::string SyslogSink::where() const {
  return std::string(config_.tls ? "syslog+tls://" : "syslog+tcp://") + config_.host + ":" +
         std::to_string(config_.port);
}

common::Status SyslogSink::connect() {
  if (socket_) return common::Ok{};
  try {
    const Poco::Net::SocketAddress address(config_.host, config_.port);
    if (context_) {
      auto secure = std::make_unique<Poco::Net::SecureStreamSocket>(context_);
      secure->setPeerHostName(config_.serverName.empty() ? config_.host : config_.serverName);
      secure->connect(address, Poco::Timespan(kConnectTimeoutUs));
      socket_ = std::move(secure);
    } else {
      auto plain = std::make_unique<Poco::Net::StreamSocket>();
      plain->connect(address, Poco::Timespan(kConnectTimeoutUs));
      socket_ = std::move(plain);
    }
    socket_->setSendTimeout(Poco::Timespan(kSendTimeoutUs));
    socket_->setNoDelay(true);
    return common::Ok{};
  } catch (const Poco::Exception& e) {
    socket_.reset();
    return common::makeError("cannot connect: " + e.displayText(), where());
  }
}

void SyslogSink::disconnect() {
  if (!socket_) return;
  try {
    socket_->close();
  } catch (...) {  // already broken: dropping it is the point
  }
  socket_.reset();
}

common::Status SyslogSink::send(const std::vector<StoredEvent>& events) {
  if (auto connected = connect(); !connected) return connected;
  std::string frames;
  for (const auto& event : events) {
    frames += octetCountingFrame(formatSyslog(event, formatCef(event, productVersion_), syslog_));
  }
  try {
    std::size_t offset = 0;
    while (offset < frames.size()) {
      const int sent = socket_->sendBytes(frames.data() + offset, static_cast<int>(frames.size() - offset));
      if (sent <= 0) throw Poco::Net::NetException("connection closed while sending");
      offset += static_cast<std::size_t>(sent);
    }
    return common::Ok{};
  } catch (const Poco::Exception& e) {
    disconnect();
    return common::makeError("sending failed: " + e.displayText(), where());
  }
}

common::Status SyslogSink::settle() {
  if (!socket_) return common::makeError("not connected", where());
  // A syslog receiver never writes to us: anything readable is the connection ending (FIN, RST, a
  // TLS close_notify) or TLS housekeeping (session tickets), which receiveBytes consumes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kSettleUs);
  try {
    char buffer[4096];
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return common::Ok{};
      if (!socket_->poll(Poco::Timespan(left.count()),
                         Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
        return common::Ok{};
      }
      socket_->setReceiveTimeout(Poco::Timespan(left.count() > 1000 ? left.count() : 1000));
      const int n = socket_->receiveBytes(buffer, sizeof buffer);
      if (n <= 0) {
        disconnect();
        return common::makeError("the receiver closed the connection", where());
      }
    }
  } catch (const Poco::TimeoutException&) {
    return common::Ok{};  // TLS records without application data, nothing more: still open
  } catch (const Poco::Exception& e) {
    disconnect();
    return common::makeError("connection lost: " + e.displayText(), where());
  }
}

}  // namespace mamori::collector::siem
