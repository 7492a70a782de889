#pragma once
// A deliberately low-level TLS client for the connection-layer tests: it can stop after the TCP
// connect, after the handshake or halfway through a header, and it reads answers byte by byte with
// deadlines. Blocking OpenSSL over a socket whose waits go through poll() with a deadline.

#include <poll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <sys/socket.h>

namespace mamori::collector::test {

struct RawAnswer {
  int status = 0;
  std::string head;  // status line and header fields
  std::string body;
  std::string header(const std::string& name) const;
};

class RawTlsClient {
 public:
  // TCP connect only (no TLS yet) to 127.0.0.1, from source (another loopback address such as
  // 127.0.0.2 plays a second client host); fd() < 0 when the connect failed.
  explicit RawTlsClient(unsigned short port, const char* source = "127.0.0.1");
  ~RawTlsClient();
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  bool handshake(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool send(const std::string& bytes);
  // One answer (head, then Content-Length bytes of body); nullopt on a closed connection or timeout.
  std::optional<RawAnswer> readAnswer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closes the connection (EOF or reset) within timeout; bytes read meanwhile
  // are dropped.
  bool closedWithin(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  // Waits until fd is readable (or writable); false at the deadline.
  bool waitFor(short events, std::chrono::steady_clock::time_point deadline) const;
  // One byte; -1 closed, -2 timeout.
  int readByte(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  bool plain_ = true;  // no handshake yet: reads and writes go straight to the socket
};

}  // namespace mamori::collector::test
