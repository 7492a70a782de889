#include <doctest/doctest.h>

#include "common/Crypto.h"

using namespace mamori::common;

TEST_CASE("SHA-256 of known inputs") {
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("random hex has the asked length and differs each time") {
  const auto a = randomHex(32);
  const auto b = randomHex(32);
  CHECK(a.size() == 64);
  CHECK(a != b);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("constant-time comparison") {
  CHECK(constantTimeEquals("abc", "abc"));
  CHECK_FALSE(constantTimeEquals("abc", "abd"));
  CHECK_FALSE(constantTimeEquals("abc", "abcd"));
  CHECK(constantTimeEquals("", ""));
}
