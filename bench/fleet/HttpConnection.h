#pragma once
// One agent's connection to the collector: TLS pinned to the collector's certificate, HTTP/1.1
// keep-alive, opened on demand. Like the agent's HttpsClient, every socket operation has its own
// timeout, and a connection idle for longer than the client's keep-alive time is reopened first.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/fleet/FleetStats.h"

namespace mamori::bench {

struct SimRequest {
  std::string method = "POST";
  std::string target;  // "/api/v1/heartbeat"
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool closeAfter = false;  // "Connection: close": nothing else is due soon
};

struct SimResponse {
  Outcome outcome = Outcome::Ok;  // transport errors, or the status class
  int status = 0;
  std::string body;
  std::string retryAfter;   // the header, "" when absent
  std::int64_t micros = 0;  // from start (connect included) to the last byte
};

class HttpConnection {
 public:
  HttpConnection(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls,
                 const boost::asio::ip::tcp::endpoint& endpoint, std::chrono::milliseconds opTimeout,
                 std::chrono::milliseconds keepAliveIdle,
                 std::optional<boost::asio::ip::address> source = std::nullopt);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  boost::asio::awaitable<SimResponse> request(SimRequest request);
  void close();
  bool open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::bench
