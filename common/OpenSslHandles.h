#pragma once
// RAII for the OpenSSL handles the signing code uses, and OpenSSL's error queue as our Error.
// Internal to policy/.

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "common/Result.h"

namespace mamori::common::ossl {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// Takes ownership; shared so that key objects can be copied cheaply (EVP_PKEY is immutable here).
inline std::shared_ptr<EVP_PKEY> sharePkey(EVP_PKEY* key) { return {key, PkeyDeleter{}}; }

// "what: <OpenSSL's reasons>", emptying the thread's error queue.
common::Error error(const std::string& what);

// A memory BIO's contents.
std::string bioText(BIO* bio);

}  // namespace mamori::common::ossl
