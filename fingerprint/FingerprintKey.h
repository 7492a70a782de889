#pragma once
// The per-fleet secret that keys every fingerprint and exact-data-match hash (docs/decisions/0032):
// 32 random bytes, created once by the collector, given to administrators (mamorictl hashes on their
// machine) and to enrolled agents (they hash what they scan). Without it, the hashes in the database
// and in the artifacts cannot be tested against guessed phrases or names.
//
// Since set format 3 (docs/decisions/0049) what is stored is SipHash-2-4 under 128-bit keys derived
// from the fleet key by HMAC-SHA-256, one key per use (document k-grams, each kind of EDM value);
// since set format 4 of fingerprint sets (docs/decisions/0063) the key also derives the gear table
// that selects which k-grams of a text are fingerprinted.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/EdmValues.h"

namespace mamori::fingerprint {

// What the keyed hash of a set's values is; uploads name it ("hash"), so hashes of another scheme
// (an older mamorictl's HMAC-SHA-256 of set format 2) are refused instead of never matching.
constexpr std::string_view kSetHashScheme = "siphash-2-4";

// SipHash-2-4 (Aumasson and Bernstein, 2012) under a 128-bit key: a pseudorandom function built for
// short inputs, so an output says nothing about the input to whoever does not hold the key.
struct SipKey {
  std::uint64_t k0 = 0, k1 = 0;
  std::uint64_t hash(std::string_view bytes) const;
  // hash() of count byte strings, the i-th at base + offsets[i] of lengths[i] bytes, into out[i]: the
  // same values, several strings of one length at a time where the processor has AVX-512 (eight
  // lanes of 64 bits). Each string must be readable for 8 bytes past its end (the bytes there are
  // not hashed).
  void hashMany(const unsigned char* base, const std::uint32_t* offsets, const std::uint32_t* lengths,
                std::size_t count, std::uint64_t* out) const;
};

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

  // HMAC-SHA-256(key, domain || 0x00 || bytes), first 8 bytes as a little-endian integer: what derives
  // the keys below (and what set format 2 stored for every value).
  std::uint64_t hash64(std::string_view domain, std::string_view bytes) const;

  // The stored hash of a selected k-gram (its normalised characters as UTF-8).
  std::uint64_t documentHash(std::string_view gram) const { return docKey_.hash(gram); }
  // documentHash() of many k-grams at once (SipKey::hashMany).
  void documentHashMany(const unsigned char* base, const std::uint32_t* offsets, const std::uint32_t* lengths,
                        std::size_t count, std::uint64_t* out) const {
    docKey_.hashMany(base, offsets, lengths, count, out);
  }
  // The stored hash of a normalised EDM value of a kind (types sharing a normaliser share the key).
  std::uint64_t valueHash(EdmKind kind, std::string_view normalized) const {
    return edmKeys_[static_cast<std::size_t>(kind)].hash(normalized);
  }
  // The gear table of document fingerprints' selection (fingerprint/Sampling.h): 4,096 words derived
  // from the key (SipHash-2-4 of each slot under the "gear" key), so which k-grams are selected is
  // not predictable without it.
  static constexpr std::size_t kGearSlots = 4096;
  const std::uint32_t* gearTable() const { return gear_->data(); }

 private:
  explicit FingerprintKey(const std::array<unsigned char, kBytes>& bytes);
  void hmac(std::string_view domain, std::string_view bytes, unsigned char* digest) const;
  SipKey derive(std::string_view use) const;
  struct Pads;  // SHA-256 states after the HMAC inner and outer key blocks, shared by copies
  std::array<unsigned char, kBytes> bytes_{};
  std::shared_ptr<const Pads> pads_;
  SipKey docKey_;
  std::array<SipKey, kEdmKinds> edmKeys_{};
  std::shared_ptr<const std::array<std::uint32_t, kGearSlots>> gear_;
};

}  // namespace mamori::fingerprint
