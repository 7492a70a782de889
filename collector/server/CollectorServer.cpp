#include "collector/server/CollectorServer.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>

#include <mutex>

#include "collector/server/RequestHandler.h"

namespace mamori::collector::server {

namespace {
// TLS 1.2+ only, forward-secret AEAD ciphers (the same list as common/net/HttpsClient).
constexpr const char* kCipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL";
constexpr int kBacklog = 128;
}  // namespace

void initializeTls() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

common::Result<std::unique_ptr<CollectorServer>> CollectorServer::start(const ServerConfig& config, CollectorApi& api) {
  initializeTls();
  std::unique_ptr<CollectorServer> server(new CollectorServer);
  const std::string where = config.host + ":" + std::to_string(config.port);
  Poco::Net::Context::Ptr context;
  try {
    Poco::Net::Context::Params params;
    params.privateKeyFile = config.keyFile;
    params.certificateFile = config.certFile;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // agents authenticate with node keys
    params.loadDefaultCAs = false;
    params.cipherList = kCipherList;
    context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    context->enableSessionCache(true, "mamori-collector");
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot load the TLS certificate or key: " + e.displayText(),
                             config.certFile + ", " + config.keyFile);
  }
  try {
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress(config.host, config.port), kBacklog, context);
    server->port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;  // HTTPServer takes ownership (ref-counted)
    params->setMaxThreads(config.threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);  // unlimited: agents keep one connection
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    params->setServerName("mamori-collector");
    server->threads_ = std::make_unique<Poco::ThreadPool>(2, config.threads + 1, 60);
    server->server_ =
        std::make_unique<Poco::Net::HTTPServer>(new RequestHandlerFactory(api), *server->threads_, socket, params);
    server->server_->start();
  } catch (const Poco::Exception& e) {
    return common::makeError("cannot listen: " + e.displayText(), where);
  }
  return server;
}

void CollectorServer::stop() {
  if (stopped_ || !server_) return;
  stopped_ = true;
  // stopAll(false): stop accepting, close idle keep-alive connections, let requests in progress
  // finish; joinAll waits for their threads.
  server_->stopAll(false);
  threads_->joinAll();
}

CollectorServer::~CollectorServer() { stop(); }

}  // namespace mamori::collector::server
