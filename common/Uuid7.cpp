#include "common/Uuid7.h"

#include <array>

#include "common/Crypto.h"

namespace mamori::common {

namespace {

constexpr std::uint64_t kCounterBits = 42;  // 12 bits of rand_a + 30 high bits of rand_b
constexpr std::uint64_t kCounterMask = (std::uint64_t{1} << kCounterBits) - 1;

char hexDigit(unsigned v) { return "0123456789abcdef"[v & 0xFU]; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string Uuid7Generator::next(std::int64_t unixMs) {
  std::array<unsigned char, 16> bytes{};
  randomBytes(bytes.data(), bytes.size());
  std::uint64_t ms = 0;
  std::uint64_t counter = 0;
  {
    std::lock_guard lock(mutex_);
    if (unixMs > lastMs_) {
      lastMs_ = unixMs;
      // Seed with the top bit clear so the counter has room to grow within the millisecond.
      counter_ = (std::uint64_t{bytes[6]} << 32 | std::uint64_t{bytes[7]} << 24 | std::uint64_t{bytes[8]} << 16 |
                  std::uint64_t{bytes[9]} << 8 | bytes[10]) &
                 (kCounterMask >> 1);
    } else {
      // Same (or a backwards-stepping) clock: stay on the last millisecond and count up.
      ++counter_;
      if (counter_ > kCounterMask) {
        ++lastMs_;
        counter_ = 0;
      }
    }
    ms = static_cast<std::uint64_t>(lastMs_);
    counter = counter_;
  }
  for (int i = 0; i < 6; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  }
  // Version 7, then the top 12 counter bits (rand_a).
  bytes[6] = static_cast<unsigned char>(0x70U | ((counter >> 38) & 0x0FU));
  bytes[7] = static_cast<unsigned char>(counter >> 30);
  // Variant 10, then the next 30 counter bits; bytes 12..15 stay random.
  bytes[8] = static_cast<unsigned char>(0x80U | ((counter >> 24) & 0x3FU));
  bytes[9] = static_cast<unsigned char>(counter >> 16);
  bytes[10] = static_cast<unsigned char>(counter >> 8);
  bytes[11] = static_cast<unsigned char>(counter);

  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(hexDigit(bytes[i] >> 4U));
    text.push_back(hexDigit(bytes[i]));
  }
  return text;
}

bool isCanonicalUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
    } else if (hexValue(text[i]) < 0) {
      return false;
    }
  }
  return true;
}

std::int64_t uuid7Millis(std::string_view text) {
  if (!isCanonicalUuid(text) || text[14] != '7') return -1;
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 13; ++i) {
    if (i == 8) continue;
    ms = ms * 16 + hexValue(text[i]);
  }
  return ms;
}

}  // namespace mamori::common
