#pragma once
// What one connection and the whole listener may hold, with the defaults documented in docs/api.md
// ("Limits") and mamori-collector --help. Every deadline closes the connection when it passes; the
// reason is counted in /metrics (mamori_connections_closed_total).

#include <chrono>
#include <cstddef>

namespace mamori::collector::server {

struct ServerLimits {
  // The TLS handshake must finish within this time of the accept.
  std::chrono::milliseconds handshakeTimeout{10'000};
  // A connection with no request in progress (after the handshake or after an answer) is closed
  // when no byte of a next request arrives within this time.
  std::chrono::milliseconds idleTimeout{15'000};
  // Each idle wait is idleTimeout shortened by a random share of up to this many percent, so
  // connections opened together (a fleet after an outage, a client's burst) are not all closed,
  // and do not all come back, at the same moment.
  int idleJitterPercent = 25;
  // From the first byte of a request, its whole header must arrive within this time (slowloris).
  std::chrono::milliseconds headerTimeout{10'000};
  // The body must arrive within bodyTimeout plus one second per bodyMinBytesPerSecond of its length.
  std::chrono::milliseconds bodyTimeout{10'000};
  std::size_t bodyMinBytesPerSecond = std::size_t{64} * 1024;
  // Writing an answer must finish within this time.
  std::chrono::milliseconds writeTimeout{30'000};
  // Request line plus header fields, in bytes (431 above it), and the number of header fields.
  std::size_t maxHeaderBytes = std::size_t{16} * 1024;
  std::size_t maxHeaderFields = 100;
  // Open connections; at the limit the oldest idle one is closed for a new one, or the new one is
  // refused when none is idle. Never above the open-file limit minus kFileReserve.
  std::size_t maxConnections = 20'000;
  // Open connections from one client address; 0 = no cap (HAProxy and NAT gateways show many PCs
  // as one address).
  std::size_t maxConnectionsPerAddress = 0;
  // TLS handshakes in progress per client address; its further connections wait for one of them
  // to end (HandshakeGate). 0 = no cap.
  std::size_t handshakesPerAddress = 64;
  // Threads that accept, handshake, read and write (the event loop).
  int ioThreads = 2;
  // Requests waiting for a worker; a full queue is answered 503 with Retry-After at once.
  std::size_t queueCapacity = 1024;
};

// Descriptors kept free of connections for the database, log and certificate files.
inline constexpr std::size_t kFileReserve = 256;

// The connection limit actually used: limits.maxConnections, lowered to the open-file limit minus
// kFileReserve (at least 1).
std::size_t effectiveMaxConnections(std::size_t wanted, std::size_t openFileLimit);

}  // namespace mamori::collector::server
