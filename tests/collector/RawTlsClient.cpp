#include "tests/collector/RawTlsClient.h"

#include <fcntl.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cstring>

namespace mamori::collector::test {

std::string RawAnswer::header(const std::string& name) const {
  std::string lowerHead = head;
  std::string key = "\r\n" + name + ":";
  std::transform(lowerHead.begin(), lowerHead.end(), lowerHead.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto at = lowerHead.find(key);
  if (at == std::string::npos) return {};
  const auto start = head.find_first_not_of(' ', at + key.size());
  const auto end = head.find("\r\n", start);
  return head.substr(start, end - start);
}

RawTlsClient::RawTlsClient(unsigned short port, const char* source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);  // every wait is a poll with a deadline
}

RawTlsClient::~RawTlsClient() {
  if (ssl_) SSL_free(ssl_);
  if (context_) SSL_CTX_free(context_);
  if (fd_ >= 0) ::close(fd_);
}

bool RawTlsClient::waitFor(short events, std::chrono::steady_clock::time_point deadline) const {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    pollfd entry{fd_, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()) + 1);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

bool RawTlsClient::handshake(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  context_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);  // the tests check the server, not its certificate
  ssl_ = SSL_new(context_);
  SSL_set_fd(ssl_, fd_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int done = SSL_connect(ssl_);
    if (done == 1) break;
    const int why = SSL_get_error(ssl_, done);
    if (why == SSL_ERROR_WANT_READ && waitFor(POLLIN, deadline)) continue;
    if (why == SSL_ERROR_WANT_WRITE && waitFor(POLLOUT, deadline)) continue;
    ERR_clear_error();
    return false;
  }
  plain_ = false;
  return true;
}

bool RawTlsClient::send(const std::string& bytes) {
  if (fd_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    if (plain_) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waitFor(POLLOUT, deadline)) continue;
      return false;
    }
    const int n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    const int why = SSL_get_error(ssl_, n);
    if (why == SSL_ERROR_WANT_WRITE && waitFor(POLLOUT, deadline)) continue;
    if (why == SSL_ERROR_WANT_READ && waitFor(POLLIN, deadline)) continue;
    ERR_clear_error();
    return false;
  }
  return true;
}

int RawTlsClient::readByte(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    unsigned char byte = 0;
    if (plain_) {
      const auto n = ::recv(fd_, &byte, 1, 0);
      if (n == 1) return byte;
      if (n == 0) return -1;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!waitFor(POLLIN, deadline)) return -2;
      continue;
    }
    const int n = SSL_read(ssl_, &byte, 1);
    if (n == 1) return byte;
    const int why = SSL_get_error(ssl_, n);
    if (why == SSL_ERROR_WANT_READ) {
      if (!waitFor(POLLIN, deadline)) return -2;
      continue;
    }
    if (why == SSL_ERROR_WANT_WRITE) {
      if (!waitFor(POLLOUT, deadline)) return -2;
      continue;
    }
    ERR_clear_error();
    return -1;
  }
}

std::optional<RawAnswer> RawTlsClient::readAnswer(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  RawAnswer answer;
  while (answer.head.size() < 4 || answer.head.compare(answer.head.size() - 4, 4, "\r\n\r\n") != 0) {
    const int byte = readByte(deadline);
    if (byte < 0) return std::nullopt;
    answer.head.push_back(static_cast<char>(byte));
  }
  if (answer.head.rfind("HTTP/1.1 ", 0) != 0 || answer.head.size() < 12) return std::nullopt;
  answer.status = std::stoi(answer.head.substr(9, 3));
  const std::string length = answer.header("Content-Length");
  const std::size_t bodyBytes = length.empty() ? 0 : std::stoul(length);
  while (answer.body.size() < bodyBytes) {
    const int byte = readByte(deadline);
    if (byte < 0) return std::nullopt;
    answer.body.push_back(static_cast<char>(byte));
  }
  return answer;
}

bool RawTlsClient::closedWithin(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int byte = readByte(deadline);
    if (byte == -1) return true;
    if (byte == -2) return false;
  }
}

}  // namespace mamori::collector::test
