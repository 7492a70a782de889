#include "collector/server/TlsSocketStream.h"

#include <openssl/err.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <climits>
#include <new>

namespace mamori::collector::server {

namespace net = boost::asio;
namespace beast = boost::beast;

TlsSocketStream::TlsSocketStream(net::ip::tcp::socket&& socket, SSL_CTX* context)
    : socket_(std::move(socket)), ssl_(SSL_new(context)) {
  if (ssl_ == nullptr) throw std::bad_alloc();
  beast::error_code ignored;
  socket_.non_blocking(true, ignored);
  // Partial writes: a write reports what went out, like a socket's. Moving buffer: a retry may
  // come from another address with the same bytes (WriteCall gathers into its own stack array).
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
  SSL_set_accept_state(ssl_);
}

TlsSocketStream::~TlsSocketStream() { SSL_free(ssl_); }

void TlsSocketStream::expire() {
  expired_ = true;
  beast::error_code ignored;
  socket_.cancel(ignored);
}

TlsSocketStream::Attempt TlsSocketStream::handshakeOnce() {
  ERR_clear_error();
  return classify(SSL_do_handshake(ssl_));
}

TlsSocketStream::Attempt TlsSocketStream::readOnce(net::mutable_buffer buffer) {
  ERR_clear_error();
  const auto size = static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX));
  return classify(SSL_read(ssl_, buffer.data(), size));
}

TlsSocketStream::Attempt TlsSocketStream::writeOnce(net::const_buffer buffer) {
  ERR_clear_error();
  const auto size = static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX));
  return classify(SSL_write(ssl_, buffer.data(), size));
}

TlsSocketStream::Attempt TlsSocketStream::classify(int result) {
  Attempt attempt;
  if (result > 0) {
    attempt.bytes = static_cast<std::size_t>(result);
    return attempt;
  }
  const int savedErrno = errno;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: attempt.step = Step::WantRead; return attempt;
    case SSL_ERROR_WANT_WRITE: attempt.step = Step::WantWrite; return attempt;
    case SSL_ERROR_ZERO_RETURN:  // the client's close_notify
      attempt.error = net::error::eof;
      return attempt;
    case SSL_ERROR_SYSCALL:
      // No OpenSSL error: the socket failed or the client closed it without close_notify.
      if (ERR_peek_error() == 0) {
        attempt.error = savedErrno != 0 ? beast::error_code(savedErrno, net::error::get_system_category())
                                        : beast::error_code(net::ssl::error::stream_truncated);
        return attempt;
      }
      [[fallthrough]];
    default: {
      const unsigned long code = ERR_get_error();
      attempt.error = code != 0 ? beast::error_code(static_cast<int>(code), net::error::get_ssl_category())
                                : beast::error_code(net::ssl::error::stream_truncated);
      return attempt;
    }
  }
}

}  // namespace mamori::collector::server
