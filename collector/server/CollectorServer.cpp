#include "collector/server/CollectorServer.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include "collector/server/ConnectionRegistry.h"
#include "collector/server/HttpConnection.h"
#include "collector/server/TlsContext.h"
#include "collector/server/WorkerPool.h"
#include "common/Log.h"

namespace mamori::collector::server {

namespace net = boost::asio;
using net::ip::tcp;

namespace {
constexpr int kBacklog = 1024;
// When accept fails for lack of descriptors, wait this long before the next accept (no busy loop).
constexpr std::chrono::milliseconds kAcceptPause{100};
// stop() gives requests in progress this long, then ends the event loop anyway.
constexpr std::chrono::seconds kStopGrace{30};

std::size_t openFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
  return static_cast<std::size_t>(limit.rlim_cur);
}
}  // namespace

std::size_t effectiveMaxConnections(std::size_t wanted, std::size_t fileLimit) {
  const std::size_t room = fileLimit > kFileReserve + 1 ? fileLimit - kFileReserve : 1;
  return std::max<std::size_t>(1, std::min(wanted, room));
}

struct CollectorServer::Impl {
  Impl(const ServerConfig& config, ServerHandler handler, std::unique_ptr<net::ssl::context> tlsContext)
      : tls(std::move(tlsContext)),
        registry(effectiveMaxConnections(config.limits.maxConnections, openFileLimit()),
                 config.limits.maxConnectionsPerAddress),
        workers(config.threads, config.limits.queueCapacity,
                [metrics = handler.metrics](std::size_t depth) { metrics->setQueueDepth(depth); }),
        proxySources(config.proxySources),
        handshakes(config.limits.handshakesPerAddress),
        acceptor(io),
        stopTimer(io) {
    shared.limits = config.limits;
    shared.maxBodyBytes = handler.maxBodyBytes;
    shared.retryAfter = handler.retryAfter;
    shared.handler = std::move(handler.handle);
    shared.metrics = handler.metrics;
    shared.workers = &workers;
    shared.registry = &registry;
    shared.handshakes = &handshakes;
    shared.proxySources = &proxySources;
    shared.io = &io;
    shared.connectionGone = [this] {
      if (shared.stopping && !loopEnded && registry.open() == 0) {
        net::post(io, [this] { stopTimer.cancel(); });
      }
    };
    shared.metrics->setQueue(0, workers.capacity());
  }

  void accept() {
    acceptor.async_accept(net::make_strand(io), [this](boost::system::error_code error, tcp::socket socket) {
      if (error == net::error::operation_aborted || !acceptor.is_open()) return;
      if (error) {
        // EMFILE/ENFILE and the like: the limit of descriptors is reached despite the reserve.
        common::log::warning("accept failed: " + error.message());
        auto pause = std::make_shared<net::steady_timer>(io, kAcceptPause);
        pause->async_wait([this, pause](boost::system::error_code) {
          if (acceptor.is_open()) accept();
        });
        return;
      }
      admit(std::move(socket));
      accept();
    });
  }

  void admit(tcp::socket socket) {
    shared.metrics->countConnectionAccepted();
    if (shared.stopping) {
      shared.metrics->countConnectionClosed("shutdown");
      return;
    }
    boost::system::error_code error;
    const auto remote = socket.remote_endpoint(error);
    if (error) {
      shared.metrics->countConnectionClosed("client_closed");
      return;
    }
    // Answers go out as soon as they are written (a header and body are two TLS records; without
    // this the second waits for the client's delayed ACK).
    socket.set_option(tcp::no_delay(true), error);
    const std::uint64_t id = ++nextId;
    const std::string peer = remote.address().to_string();
    // A balancer's connection is counted under its client's address once its PROXY header is read.
    const bool balancer = proxySources.contains(peer);
    auto connection = std::make_shared<HttpConnection>(
        std::move(socket), *tls, shared, id, balancer ? std::string() : peer, balancer ? peer : std::string());
    auto decision = registry.admit(id, balancer ? std::string() : peer, connection);
    if (decision.admission != Admission::Accepted) {
      // Not registered: dropping the object closes the socket; its destructor counts the reason.
      connection->refuse(decision.admission == Admission::RefusedPerAddress ? "per_address_cap" : "limit");
      return;
    }
    if (decision.evicted) decision.evicted->evict();
    shared.metrics->setOpenConnections(static_cast<std::int64_t>(registry.open()));
    connection->start();
  }

  // Declaration order matters: handlers still queued in `io` when it is destroyed hold connections,
  // whose destructors use the registry, the shared state and the TLS context.
  std::unique_ptr<net::ssl::context> tls;
  ConnectionRegistry registry;
  WorkerPool workers;
  const proxy::ProxySources proxySources;
  ConnectionShared shared;
  std::atomic<bool> loopEnded{false};
  net::io_context io;
  // After everything a connection uses, `io` included: connections still waiting for a handshake
  // slot when the server is destroyed are released first.
  HandshakeGate handshakes;
  tcp::acceptor acceptor;
  net::steady_timer stopTimer;
  std::vector<std::thread> ioThreads;
  std::atomic<std::uint64_t> nextId{0};
  unsigned short port = 0;
  bool stopped = false;
};

CollectorServer::CollectorServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

common::Result<std::unique_ptr<CollectorServer>> CollectorServer::start(const ServerConfig& config, CollectorApi& api) {
  ServerHandler handler;
  handler.handle = [&api](const ApiRequest& request) { return api.handle(request); };
  handler.metrics = &api.metrics();
  handler.maxBodyBytes = api.config().maxBodyBytes;
  handler.retryAfter = api.config().retryAfter;
  return start(config, std::move(handler));
}

common::Result<std::unique_ptr<CollectorServer>> CollectorServer::start(const ServerConfig& config,
                                                                        ServerHandler handler) {
  MAMORI_ASSERT(handler.handle && handler.metrics);
  auto tls = makeServerTlsContext(config.certFile, config.keyFile);
  if (!tls) return tls.error();
  auto impl = std::make_unique<Impl>(config, std::move(handler), std::move(tls).value());
  const std::string where = config.host + ":" + std::to_string(config.port);
  boost::system::error_code error;
  const auto address = net::ip::make_address(config.host, error);
  if (error) return common::makeError("not an IP address: " + error.message(), where);
  const tcp::endpoint endpoint(address, config.port);
  auto& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), error); error)
    return common::makeError("cannot listen: " + error.message(), where);
  acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (acceptor.bind(endpoint, error); error) return common::makeError("cannot listen: " + error.message(), where);
  if (acceptor.listen(kBacklog, error); error) return common::makeError("cannot listen: " + error.message(), where);
  impl->port = acceptor.local_endpoint(error).port();
  if (impl->registry.maxConnections() < config.limits.maxConnections) {
    common::log::info("connection limit lowered to " + std::to_string(impl->registry.maxConnections()) +
                      " by the open-file limit (raise LimitNOFILE / ulimit -n; docs/install.md)");
  }
  impl->accept();
  const int ioThreads = std::max(1, config.limits.ioThreads);
  for (int i = 0; i < ioThreads; ++i) {
    impl->ioThreads.emplace_back([io = &impl->io] {
      while (true) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {  // a handler threw: log it, keep serving
          common::log::error(std::string("event loop: ") + e.what());
        }
      }
    });
  }
  return std::unique_ptr<CollectorServer>(new CollectorServer(std::move(impl)));
}

unsigned short CollectorServer::port() const { return impl_->port; }

std::size_t CollectorServer::maxConnections() const { return impl_->registry.maxConnections(); }

void CollectorServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  Impl& impl = *impl_;
  impl.shared.stopping = true;
  net::post(impl.io, [&impl] {
    boost::system::error_code ignored;
    impl.acceptor.close(ignored);
    // Ends the loop if requests in progress have not finished by then; cancelled when the last
    // connection goes.
    impl.stopTimer.expires_after(kStopGrace);
    impl.stopTimer.async_wait([&impl](boost::system::error_code error) {
      if (!error) {
        common::log::warning("requests still in progress after 30 s; stopping anyway");
        impl.io.stop();
      }
    });
    if (impl.registry.open() == 0) impl.stopTimer.cancel();
    for (auto& connection : impl.registry.all()) connection->shutdown();
  });
  for (auto& thread : impl.ioThreads) thread.join();
  impl.ioThreads.clear();
  impl.workers.stop();  // before `io` goes: a job may still post its answer to it
  impl.loopEnded = true;
}

CollectorServer::~CollectorServer() { stop(); }

}  // namespace mamori::collector::server
