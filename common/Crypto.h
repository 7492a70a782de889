#pragma once
// Small cryptographic helpers over OpenSSL: randomness, SHA-256, constant-time comparison.

#include <cstddef>
#include <string>
#include <string_view>

namespace mamori::common {

// Fills buf from the OS CSPRNG; aborts if the CSPRNG fails (nothing safe can continue without it).
void randomBytes(unsigned char* buf, std::size_t len);

// len random bytes as lower-case hex (2*len characters). Used for secrets and node keys.
std::string randomHex(std::size_t len);

// Lower-case hex SHA-256 of data.
std::string sha256Hex(std::string_view data);

// SHA-256 of data given in pieces (files streamed in chunks).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  // Lower-case hex of everything given; the object starts over afterwards.
  std::string hex();

 private:
  void* context_;  // SHA256_CTX, kept out of this header
};

// Compares without leaking where the first difference is.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace mamori::common
