#pragma once
// The HTTPS listener: Poco's HTTPServer over a SecureServerSocket, a fixed thread pool, and
// CollectorApi behind it. start() binds (port 0 picks a free port, see port()); stop() stops
// accepting, lets in-flight requests finish and joins the handler threads.

#include <Poco/ThreadPool.h>

#include <memory>
#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Result.h"

namespace Poco::Net {
class HTTPServer;
}

namespace mamori::collector::server {

struct ServerConfig {
  std::string host = "0.0.0.0";
  unsigned short port = 8443;
  std::string certFile;  // PEM certificate (chain) the server presents
  std::string keyFile;   // PEM private key
  int threads = 16;      // handler threads = concurrent connections served
};

class CollectorServer {
 public:
  static common::Result<std::unique_ptr<CollectorServer>> start(const ServerConfig& config, CollectorApi& api);
  ~CollectorServer();
  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;

  unsigned short port() const { return port_; }
  void stop();

 private:
  CollectorServer() = default;

  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  unsigned short port_ = 0;
  bool stopped_ = false;
};

// Poco's SSL library must be initialized once per process before any TLS socket exists.
void initializeTls();

}  // namespace mamori::collector::server
