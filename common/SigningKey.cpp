#include "common/SigningKey.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include "common/Base64Url.h"
#include "common/Crypto.h"
#include "common/OpenSslHandles.h"

namespace mamori::common {

namespace {

constexpr std::size_t kSignatureBytes = 64;
constexpr std::size_t kMaxPemBytes = std::size_t{16} * 1024;

common::Result<ossl::BioPtr> readBio(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return common::makeError("the PEM text is larger than 16 KiB");
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return ossl::error("BIO_new_mem_buf");
  return bio;
}

common::Status requireEd25519(EVP_PKEY* key) {
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    return common::makeError("expected an Ed25519 key, found " + std::string(EVP_PKEY_get0_type_name(key) != nullptr
                                                                                 ? EVP_PKEY_get0_type_name(key)
                                                                                 : "another key type"));
  }
  return common::Ok{};
}

}  // namespace

common::Error ossl::error(const std::string& what) {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {  // NOLINT(google-runtime-int): OpenSSL's type
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    reasons += reasons.empty() ? "" : "; ";
    reasons += buf;
  }
  return common::makeError(what + " failed" + (reasons.empty() ? "" : ": " + reasons));
}

std::string ossl::bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int): OpenSSL's type
  return size > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

common::Result<PublicKey> PublicKey::fromPem(std::string_view pem) {
  auto bio = readBio(pem);
  if (!bio) return bio.error();
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.value().get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return ossl::error("reading the public key PEM");
  auto key = ossl::sharePkey(raw);
  if (auto ok = requireEd25519(key.get()); !ok) return ok.error();
  return PublicKey(std::move(key));
}

std::string PublicKey::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  MAMORI_ASSERT(bio && PEM_write_bio_PUBKEY(bio.get(), key_.get()) == 1);
  return ossl::bioText(bio.get());
}

std::string PublicKey::keyId() const {
  unsigned char raw[32];
  std::size_t length = sizeof raw;
  MAMORI_ASSERT(EVP_PKEY_get_raw_public_key(key_.get(), raw, &length) == 1 && length == sizeof raw);
  return common::sha256Hex(std::string_view(reinterpret_cast<const char*>(raw), length)).substr(0, 16);  // NOLINT
}

common::Status PublicKey::verify(std::string_view bytes, std::string_view signature) const {
  const auto decoded = base64UrlDecode(signature);
  if (!decoded) return common::makeError("the signature is not valid base64url");
  if (decoded->size() != kSignatureBytes) {
    return common::makeError("expected a 64-byte Ed25519 signature, found " + std::to_string(decoded->size()) +
                             " bytes");
  }
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return ossl::error("EVP_DigestVerifyInit");
  }
  const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(decoded->data()),     // NOLINT
                                  decoded->size(), reinterpret_cast<const unsigned char*>(bytes.data()),  // NOLINT
                                  bytes.size());
  ERR_clear_error();  // a mismatch leaves reasons in the queue; the answer below says it all
  if (rc != 1) return common::makeError("the signature does not match the document and key " + keyId());
  return common::Ok{};
}

common::Result<SigningKey> SigningKey::generate() {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return ossl::error("generating an Ed25519 key");
  }
  return SigningKey(ossl::sharePkey(raw));
}

common::Result<SigningKey> SigningKey::fromPem(std::string_view pem) {
  auto bio = readBio(pem);
  if (!bio) return bio.error();
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.value().get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return ossl::error("reading the private key PEM");
  auto key = ossl::sharePkey(raw);
  if (auto ok = requireEd25519(key.get()); !ok) return ok.error();
  return SigningKey(std::move(key));
}

std::string SigningKey::privatePem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  MAMORI_ASSERT(bio && PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return ossl::bioText(bio.get());
}

PublicKey SigningKey::publicKey() const {
  // Round trip through the raw public bytes so the PublicKey holds no private material.
  unsigned char raw[32];
  std::size_t length = sizeof raw;
  MAMORI_ASSERT(EVP_PKEY_get_raw_public_key(key_.get(), raw, &length) == 1);
  EVP_PKEY* pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw, length);
  MAMORI_ASSERT(pub != nullptr);
  return PublicKey(ossl::sharePkey(pub));
}

common::Result<std::string> SigningKey::sign(std::string_view bytes) const {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return ossl::error("EVP_DigestSignInit");
  }
  unsigned char signature[kSignatureBytes];
  std::size_t length = sizeof signature;
  if (EVP_DigestSign(ctx.get(), signature, &length, reinterpret_cast<const unsigned char*>(bytes.data()),  // NOLINT
                     bytes.size()) != 1) {
    return ossl::error("EVP_DigestSign");
  }
  return base64UrlEncode(std::string_view(reinterpret_cast<const char*>(signature), length));  // NOLINT
}

}  // namespace mamori::common
