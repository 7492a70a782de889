#pragma once
// TLS straight on a connection's socket: OpenSSL reads and writes the file descriptor itself
// (non-blocking), and the event loop only waits for the socket to become readable or writable.
//
// Why not boost::asio::ssl::stream: its engine keeps two 17 KiB record buffers per connection and
// a 17 KiB BIO pair on each side, allocated and zeroed for the connection's whole life. With 20,000
// mostly idle connections that was about 50 KiB each (bench/connections.py). Here an idle connection
// holds OpenSSL's SSL object only (SSL_MODE_RELEASE_BUFFERS frees its record buffers between
// records), a socket and nothing else (docs/decisions/0027).
//
// It meets Beast's AsyncReadStream/AsyncWriteStream requirements, so http::async_read and
// http::async_write use it as they used ssl_stream. Deadlines: the owner calls expire() when its
// deadline passes; operations then pending, or started before clearExpiry(), end with
// beast::error::timeout, as with beast::tcp_stream. Completions are never invoked inside the call
// that starts an operation. One read and one write may not be pending at the same time (the
// connection never does that: it reads, then answers).

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <cstddef>

namespace mamori::collector::server {

class TlsSocketStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  // The server side of a TLS connection on socket with context's settings and certificate.
  TlsSocketStream(boost::asio::ip::tcp::socket&& socket, SSL_CTX* context);
  ~TlsSocketStream();
  TlsSocketStream(const TlsSocketStream&) = delete;
  TlsSocketStream& operator=(const TlsSocketStream&) = delete;

  // NOLINTBEGIN(readability-identifier-naming): Asio's AsyncStream requirements name these members.
  executor_type get_executor() noexcept { return socket_.get_executor(); }
  // NOLINTEND(readability-identifier-naming)
  boost::asio::ip::tcp::socket& socket() { return socket_; }

  // The deadline passed: pending waits are cancelled and end, like later operations, in timeout.
  void expire();
  void clearExpiry() { expired_ = false; }

  // NOLINTBEGIN(readability-identifier-naming): Asio's AsyncStream and Beast's handshake requirements name these.
  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::beast::error_code)>(
        Operation<HandshakeCall, false>{*this, HandshakeCall{}}, token, socket_);
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
        Operation<ReadCall<Buffers>, true>{*this, ReadCall<Buffers>{buffers}}, token, socket_);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
        Operation<WriteCall<Buffers>, true>{*this, WriteCall<Buffers>{buffers}}, token, socket_);
  }
  // NOLINTEND(readability-identifier-naming)

 private:
  enum class Step { Done, WantRead, WantWrite };
  struct Attempt {
    Step step = Step::Done;
    std::size_t bytes = 0;
    boost::beast::error_code error;
  };

  // One call into OpenSSL each; what to do next.
  Attempt handshakeOnce();
  Attempt readOnce(boost::asio::mutable_buffer buffer);
  Attempt writeOnce(boost::asio::const_buffer buffer);
  Attempt classify(int result);

  struct HandshakeCall {
    Attempt operator()(TlsSocketStream& stream) { return stream.handshakeOnce(); }
  };
  template <class Buffers>
  struct ReadCall {
    Buffers buffers;
    Attempt operator()(TlsSocketStream& stream) {
      // The first non-empty buffer: one TLS record's worth is what a read returns anyway.
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
           ++it) {
        const boost::asio::mutable_buffer buffer(*it);
        if (buffer.size() != 0) return stream.readOnce(buffer);
      }
      return Attempt{};
    }
  };
  template <class Buffers>
  struct WriteCall {
    Buffers buffers;
    Attempt operator()(TlsSocketStream& stream) {
      // Small pieces (an answer's header and its body) are gathered into one TLS record and one
      // send instead of a record each. A retry gathers the same bytes again (the SSL object is in
      // SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
      std::array<char, kGatherBytes> gathered;
      std::size_t filled = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
           ++it) {
        const boost::asio::const_buffer buffer(*it);
        if (buffer.size() == 0) continue;
        if (filled == 0 && buffer.size() >= kGatherBytes) return stream.writeOnce(buffer);
        const std::size_t take = std::min(buffer.size(), kGatherBytes - filled);
        std::copy_n(static_cast<const char*>(buffer.data()), take, gathered.data() + filled);
        filled += take;
        if (filled == kGatherBytes) break;
      }
      if (filled == 0) return Attempt{};
      return stream.writeOnce(boost::asio::const_buffer(gathered.data(), filled));
    }
  };

  // The composed operation: try the call; wait for the socket when OpenSSL wants it; complete with
  // the result, posted when it came at once (never inside the initiating call).
  template <class Call, bool WithBytes>
  struct Operation {
    TlsSocketStream& stream;
    Call call;
    bool started = false;
    bool finishing = false;
    Attempt result{};

    template <class Self>
    void operator()(Self& self, boost::beast::error_code waitError = {}) {
      if (finishing) return complete(self);
      const bool first = !started;
      started = true;
      if (stream.expired_) {
        result = Attempt{Step::Done, 0, boost::beast::error::timeout};
      } else if (waitError) {
        result = Attempt{Step::Done, 0, waitError};
      } else if (!stream.socket_.is_open()) {
        // Never into OpenSSL after a close: the descriptor number it holds may belong to another
        // connection by now.
        result = Attempt{Step::Done, 0, boost::asio::error::bad_descriptor};
      } else {
        result = call(stream);
        if (result.step == Step::WantRead || result.step == Step::WantWrite) {
          stream.socket_.async_wait(result.step == Step::WantRead ? boost::asio::socket_base::wait_read
                                                                  : boost::asio::socket_base::wait_write,
                                    std::move(self));
          return;
        }
      }
      if (!first) return complete(self);
      finishing = true;
      boost::asio::post(stream.socket_.get_executor(), std::move(self));
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (WithBytes) {
        self.complete(result.error, result.bytes);
      } else {
        self.complete(result.error);
      }
    }
  };

  static constexpr std::size_t kGatherBytes = std::size_t{16} * 1024;

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
  bool expired_ = false;
};

}  // namespace mamori::collector::server
