#include "collector/console/PasswordHash.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <vector>

#include "common/Crypto.h"
#include "common/Utf8.h"

namespace mamori::collector::console {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
constexpr std::uint64_t kMaxMemBytes = 256ULL * 1024 * 1024;
constexpr std::size_t kMinPasswordBytes = 10;
constexpr std::size_t kMaxPasswordBytes = 1024;

std::string toHex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0f];
  }
  return out;
}

bool fromHex(const std::string& text, std::vector<unsigned char>& out) {
  if (text.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<unsigned char>(high * 16 + low));
  }
  return true;
}

bool derive(const std::string& password, const std::vector<unsigned char>& salt, const ScryptParams& params,
            std::vector<unsigned char>& key, std::size_t keyBytes) {
  key.assign(keyBytes, 0);
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), std::uint64_t{1} << params.log2N,
                        params.r, params.p, kMaxMemBytes, key.data(), key.size()) == 1;
}

bool parseSmall(const std::string& text, unsigned max, unsigned& out) {
  if (text.empty() || text.size() > 3 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = static_cast<unsigned>(std::stoul(text));
  return out >= 1 && out <= max;
}

}  // namespace

common::Result<std::string> hashPassword(const std::string& password, const ScryptParams& params) {
  std::vector<unsigned char> salt(kSaltBytes);
  common::randomBytes(salt.data(), salt.size());
  std::vector<unsigned char> key;
  if (!derive(password, salt, params, key, kKeyBytes)) {
    return common::makeError("scrypt failed (parameters out of range or out of memory)", "password hash");
  }
  return "scrypt$" + std::to_string(params.log2N) + "$" + std::to_string(params.r) + "$" + std::to_string(params.p) +
         "$" + toHex(salt.data(), salt.size()) + "$" + toHex(key.data(), key.size());
}

bool verifyPassword(const std::string& password, const std::string& encoded) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (parts.size() < 7) {
    const auto end = encoded.find('$', start);
    parts.push_back(encoded.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  ScryptParams params;
  // At most 4x today's cost: a tampered row cannot make one sign-in burn seconds of CPU (memory is
  // capped by kMaxMemBytes inside EVP_PBE_scrypt as well).
  if (!parseSmall(parts[1], 17, params.log2N) || !parseSmall(parts[2], 16, params.r) ||
      !parseSmall(parts[3], 2, params.p)) {
    return false;
  }
  std::vector<unsigned char> salt, expected, actual;
  if (!fromHex(parts[4], salt) || !fromHex(parts[5], expected) || salt.empty() || expected.size() != kKeyBytes)
    return false;
  if (!derive(password, salt, params, actual, expected.size())) return false;
  return common::constantTimeEquals(std::string_view(reinterpret_cast<const char*>(actual.data()), actual.size()),
                                    std::string_view(reinterpret_cast<const char*>(expected.data()), expected.size()));
}

std::string passwordProblem(const std::string& password) {
  if (password.size() < kMinPasswordBytes) return "a password needs at least 10 characters";
  if (password.size() > kMaxPasswordBytes) return "a password may have at most 1024 bytes";
  if (!common::isValidUtf8(password)) return "a password must be UTF-8 text";
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) return "a password may not hold control characters (a trailing newline?)";
  }
  return {};
}

}  // namespace mamori::collector::console
