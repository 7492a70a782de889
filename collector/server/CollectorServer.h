#pragma once
// The HTTPS listener: an event loop (Boost.Asio, one or two I/O threads) accepts connections, runs
// their TLS handshakes and reads requests with Boost.Beast under the deadlines of ServerLimits; a
// small worker pool runs CollectorApi::handle behind a bounded queue (docs/decisions/0017).
// start() binds (port 0 picks a free port, see port()); stop() stops accepting, closes idle
// connections, lets requests in progress finish and joins every thread.

#include <memory>
#include <string>

#include "collector/proxy/ProxySources.h"
#include "collector/server/CollectorApi.h"
#include "collector/server/ServerLimits.h"
#include "common/Result.h"

namespace mamori::collector::server {

struct ServerConfig {
  std::string host = "0.0.0.0";
  unsigned short port = 8443;
  std::string certFile;  // PEM certificate (chain) the server presents
  std::string keyFile;   // PEM private key
  int threads = 16;      // worker threads running CollectorApi::handle
  ServerLimits limits{};
  // Balancers that put a PROXY protocol header before each connection's bytes; their connections
  // are then known by the client's address (caps, handshake gate, sign-in throttling, audit trail).
  proxy::ProxySources proxySources;
};

// What the listener serves: a function from request to answer, run on the worker threads, and where
// it counts. CollectorApi is the real one; tests give their own.
struct ServerHandler {
  RequestHandler handle;
  Metrics* metrics = nullptr;
  std::size_t maxBodyBytes = std::size_t{8} * 1024 * 1024;  // bodies are read into memory up to this size
  RetryAfterRange retryAfter{};
};

class CollectorServer {
 public:
  // Serves api (its metrics, body limit and Retry-After range).
  static common::Result<std::unique_ptr<CollectorServer>> start(const ServerConfig& config, CollectorApi& api);
  static common::Result<std::unique_ptr<CollectorServer>> start(const ServerConfig& config, ServerHandler handler);
  ~CollectorServer();
  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;

  unsigned short port() const;
  // The connection limit in force (ServerLimits::maxConnections lowered to the open-file limit).
  std::size_t maxConnections() const;
  void stop();

 private:
  struct Impl;
  explicit CollectorServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::collector::server
