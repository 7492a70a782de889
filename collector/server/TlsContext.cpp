#include "collector/server/TlsContext.h"

#include <openssl/ssl.h>

namespace mamori::collector::server {

namespace {
// TLS 1.2: forward-secret AEAD ciphers only (the same list as common/net/HttpsClient); TLS 1.3's
// suites are all of that kind.
constexpr const char* kCipherList = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL";
constexpr const char* kSessionContext = "mamori-collector";
}  // namespace

common::Result<std::unique_ptr<boost::asio::ssl::context>> makeServerTlsContext(const std::string& certFile,
                                                                                const std::string& keyFile) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  const std::string where = certFile + ", " + keyFile;
  boost::system::error_code error;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                           ssl::context::single_dh_use,
                       error);
  SSL_CTX* native = context->native_handle();
  if (error || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kCipherList) != 1) {
    return common::makeError("cannot configure TLS (OpenSSL refused the protocol or cipher settings)", where);
  }
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_session_id_context(native, reinterpret_cast<const unsigned char*>(kSessionContext),
                                 static_cast<unsigned>(std::char_traits<char>::length(kSessionContext)));
  context->use_certificate_chain_file(certFile, error);
  if (error) return common::makeError("cannot load the TLS certificate: " + error.message(), certFile);
  context->use_private_key_file(keyFile, ssl::context::pem, error);
  if (error) return common::makeError("cannot load the TLS key: " + error.message(), keyFile);
  if (SSL_CTX_check_private_key(native) != 1) {
    return common::makeError("the TLS key does not belong to the certificate", where);
  }
  return context;
}

}  // namespace mamori::collector::server
