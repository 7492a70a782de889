#pragma once
// The per-fleet secret that keys every fingerprint and exact-data-match hash (docs/decisions/0032):
// 32 random bytes, created once by the collector, given to administrators (mamorictl hashes on their
// machine) and to enrolled agents (they hash what they scan). Without it, the hashes in the database
// and in the artifacts cannot be tested against guessed phrases or names.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::fingerprint {

class FingerprintKey {
 public:
  static constexpr std::size_t kBytes = 32;

  static common::Result<FingerprintKey> generate();
  // The key's text form: base64url of the 32 bytes.
  static common::Result<FingerprintKey> fromText(std::string_view text);
  std::string text() const;
  // First 16 hex digits of SHA-256 over the key: names it in artifacts, so a set hashed with another
  // fleet's (or an older) key is refused instead of silently never matching.
  std::string keyId() const;

  // HMAC-SHA-256(key, domain || 0x00 || bytes), first 8 bytes as a little-endian integer. The domain
  // separates uses ("doc", "edm:phone", ...), so a value hashed for one column never equals another's.
  std::uint64_t hash64(std::string_view domain, std::string_view bytes) const;
  // A key-derived 64-bit seed for the fast selection hash of winnowing.
  std::uint64_t seed() const { return seed_; }

 private:
  explicit FingerprintKey(const std::array<unsigned char, kBytes>& bytes);
  struct Pads;  // SHA-256 states after the HMAC inner and outer key blocks, shared by copies
  std::array<unsigned char, kBytes> bytes_{};
  std::shared_ptr<const Pads> pads_;
  std::uint64_t seed_ = 0;
};

}  // namespace mamori::fingerprint
