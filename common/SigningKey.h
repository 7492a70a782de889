#pragma once
// Ed25519 keys for policy signing (docs/decisions/0006-policy-signing.md). The collector holds a
// SigningKey; agents pin its PublicKey at enrollment. Signatures are over the exact bytes given and
// travel as base64url text.

#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace mamori::common {

class PublicKey {
 public:
  // A "-----BEGIN PUBLIC KEY-----" PEM (SubjectPublicKeyInfo) holding an Ed25519 key; other key
  // types are refused so no algorithm is ever chosen by the input.
  static common::Result<PublicKey> fromPem(std::string_view pem);

  std::string pem() const;
  // First 16 hex digits of SHA-256 over the raw 32-byte key: names the key in envelopes and logs.
  std::string keyId() const;

  // Ok when signature (base64url) is a valid signature of bytes by this key.
  common::Status verify(std::string_view bytes, std::string_view signature) const;

 private:
  explicit PublicKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
  friend class SigningKey;
};

class SigningKey {
 public:
  static common::Result<SigningKey> generate();
  // A PKCS#8 "-----BEGIN PRIVATE KEY-----" PEM holding an Ed25519 key (unencrypted: the file's
  // permissions protect it, see KeyFiles.h).
  static common::Result<SigningKey> fromPem(std::string_view pem);

  std::string privatePem() const;
  PublicKey publicKey() const;
  std::string keyId() const { return publicKey().keyId(); }

  // The detached signature of bytes, base64url (86 characters).
  common::Result<std::string> sign(std::string_view bytes) const;

 private:
  explicit SigningKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

}  // namespace mamori::common
