#pragma once
// The listener's OpenSSL context: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers, a server
// session cache, and SSL_MODE_RELEASE_BUFFERS so an idle connection gives its record buffers back.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/Result.h"

namespace mamori::collector::server {

common::Result<std::unique_ptr<boost::asio::ssl::context>> makeServerTlsContext(const std::string& certFile,
                                                                                const std::string& keyFile);

}  // namespace mamori::collector::server
