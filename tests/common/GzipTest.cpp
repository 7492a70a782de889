#include <doctest/doctest.h>

#include <string>

#include "common/Gzip.h"

using namespace mamori::common;

TEST_CASE("gzip round trip") {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "event " + std::to_string(i) + "\n";
  const auto packed = gzipCompress(text);
  CHECK(packed.size() < text.size() / 3);
  auto unpacked = gzipDecompress(packed, text.size());
  REQUIRE(unpacked.ok());
  CHECK(unpacked.value() == text);
}

TEST_CASE("a compression bomb stops at the limit") {
  const std::string zeros(std::size_t{50} << 20U, '\0');
  const auto packed = gzipCompress(zeros, 9);
  CHECK(packed.size() < 100 * 1024);
  auto unpacked = gzipDecompress(packed, std::size_t{1} << 20U);
  REQUIRE_FALSE(unpacked.ok());
  CHECK(unpacked.error().message.find("more than 1048576 bytes") != std::string::npos);
}

TEST_CASE("corrupt, truncated and trailing data are errors") {
  const auto packed = gzipCompress("hello, collector");
  CHECK_FALSE(gzipDecompress("not gzip at all", 1024).ok());
  CHECK_FALSE(gzipDecompress(packed.substr(0, packed.size() - 5), 1024).ok());
  CHECK_FALSE(gzipDecompress(packed + "junk", 1024).ok());
  CHECK_FALSE(gzipDecompress("", 1024).ok());
}

TEST_CASE("gzip failures carry their kind: a bomb is too large, damage is corrupt") {
  const auto bomb = gzipCompress(std::string(std::size_t{4} << 20U, '\0'), 9);
  auto big = gzipDecompress(bomb, std::size_t{1} << 20U);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().kind == ErrorKind::kTooLarge);
  const auto packed = gzipCompress("hello, collector");
  for (const auto& damaged : {std::string("not gzip at all"), packed.substr(0, packed.size() - 5), packed + "junk"}) {
    auto result = gzipDecompress(damaged, 1024);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == ErrorKind::kCorrupt);
  }
}
