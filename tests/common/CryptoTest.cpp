#include <doctest/doctest.h>

#include "common/Crypto.h"

using namespace mamori::common;

TEST_CASE("SHA-256 of known inputs") {
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("SHA-256 in pieces: two and many blocks, split anywhere, and starting over after hex()") {
  const std::string twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256Hex(twoBlocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 hash;
  for (std::size_t cut = 0; cut <= twoBlocks.size(); ++cut) {
    hash.update(std::string_view(twoBlocks).substr(0, cut));
    hash.update(std::string_view(twoBlocks).substr(cut));
    CHECK(hash.hex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
  const std::string million(1'000'000, 'a');
  CHECK(sha256Hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (std::size_t at = 0; at < million.size(); at += 4093) hash.update(std::string_view(million).substr(at, 4093));
  CHECK(hash.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(hash.hex() == sha256Hex(""));
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
