// PE version resources (a pure parser of untrusted bytes): built files, then broken ones.
#include <doctest/doctest.h>

#include "common/PeVersionInfo.h"
#include "tests/support/MiniPe.h"

using mamori::common::looksLikePe;
using mamori::common::peVersionInfo;
using mamori::testsupport::miniPe;
namespace minipe = mamori::testsupport::minipe;
namespace ts = mamori::testsupport;

namespace {

// A function static, not a namespace-scope vector whose constructor could throw before main (cert-err58-cpp).
const std::vector<std::pair<std::string, std::string>>& winnyLike() {
  static const std::vector<std::pair<std::string, std::string>> strings = {
      {"CompanyName", "Example Works"},  {"FileDescription", "Winny P2P"}, {"InternalName", "Winny"},
      {"OriginalFilename", "Winny.exe"}, {"ProductName", "µTorrent 𝄞"},
  };
  return strings;
}

}  // namespace

TEST_CASE("PE version info: every string of a built file, in order, as UTF-8") {
  const std::string pe = miniPe(winnyLike(), "payload");
  CHECK(looksLikePe(pe));
  auto info = peVersionInfo(pe);
  REQUIRE(info.ok());
  CHECK(info.value().machine == 0x8664);
  CHECK(info.value().pe32Plus);
  CHECK_FALSE(info.value().dll);
  REQUIRE(info.value().strings.size() == winnyLike().size());
  for (std::size_t i = 0; i < winnyLike().size(); ++i) {
    CHECK(info.value().strings[i].key == winnyLike()[i].first);
    CHECK(info.value().strings[i].value == winnyLike()[i].second);
  }
  CHECK(info.value().value("originalfilename") == "Winny.exe");
  CHECK(info.value().value("LegalCopyright").empty());
}

TEST_CASE("PE version info: a PE without resources has no strings; other files are errors") {
  std::string pe = miniPe({});
  minipe::put32(pe, ts::kMiniPeOptional + 112 + 16, 0);  // no resource directory
  auto info = peVersionInfo(pe);
  REQUIRE(info.ok());
  CHECK(info.value().strings.empty());
  CHECK_FALSE(peVersionInfo("").ok());
  CHECK_FALSE(peVersionInfo("\x7f"
                            "ELF and more bytes than sixty-four, so that only the magic decides it")
                  .ok());
  CHECK_FALSE(looksLikePe(std::string(64, 'M')));
  std::string noSignature = miniPe(winnyLike());
  noSignature[ts::kMiniPeHeader] = 'X';
  CHECK_FALSE(peVersionInfo(noSignature).ok());
}

TEST_CASE("PE version info: every truncation is an error or a shorter answer, never a crash") {
  const std::string pe = miniPe(winnyLike());
  for (std::size_t length = 0; length < pe.size(); ++length) {
    auto info = peVersionInfo(pe.substr(0, length));
    if (info) CHECK(info.value().strings.size() <= winnyLike().size());
  }
}

TEST_CASE("PE version info: hostile trees and blocks") {
  const std::string good = miniPe(winnyLike());
  SUBCASE("a directory entry pointing back at the root ends the walk") {
    std::string pe = good;
    minipe::put32(pe, ts::kMiniPeNameEntry + 4, 0x80000000U);  // names -> root
    auto info = peVersionInfo(pe);
    REQUIRE(info.ok());
    CHECK(info.value().strings.empty());
    minipe::put32(pe, ts::kMiniPeTypeEntry + 4, 0x80000000U);  // root -> root
    REQUIRE(peVersionInfo(pe).ok());
  }
  SUBCASE("a huge entry count") {
    std::string pe = good;
    minipe::put16(pe, ts::kMiniPeResources + 12, 0xFFFF);
    minipe::put16(pe, ts::kMiniPeResources + 14, 0xFFFF);
    CHECK_FALSE(peVersionInfo(pe).ok());
  }
  SUBCASE("offsets past the end") {
    std::string pe = good;
    minipe::put32(pe, ts::kMiniPeDataEntry, 0x7FFFFFF0U);
    CHECK_FALSE(peVersionInfo(pe).ok());
    pe = good;
    minipe::put32(pe, ts::kMiniPeDataEntry + 4, 0xFFFFFFFFU);
    CHECK_FALSE(peVersionInfo(pe).ok());
    pe = good;
    minipe::put32(pe, ts::kMiniPeLanguageEntry + 4, 0x7FFFFFFFU);
    CHECK_FALSE(peVersionInfo(pe).ok());
    pe = good;
    minipe::put32(pe, ts::kMiniPeSectionTable + 20, 0xFFFFFF00U);  // raw data far outside
    CHECK_FALSE(peVersionInfo(pe).ok());
    pe = good;
    minipe::put32(pe, 0x3C, 0xFFFFFFF0U);  // e_lfanew
    CHECK_FALSE(peVersionInfo(pe).ok());
  }
  SUBCASE("a huge section count") {
    std::string pe = good;
    minipe::put16(pe, ts::kMiniPeHeader + 6, 0xFFFF);
    CHECK_FALSE(peVersionInfo(pe).ok());
  }
  SUBCASE("block lengths that lie") {
    std::string pe = good;
    minipe::put16(pe, ts::kMiniPeVersion, 0xFFFF);  // root longer than the resource
    CHECK_FALSE(peVersionInfo(pe).ok());
    pe = good;
    minipe::put16(pe, ts::kMiniPeVersion, 4);  // shorter than its own header
    CHECK_FALSE(peVersionInfo(pe).ok());
    pe = good;
    minipe::put16(pe, ts::kMiniPeVersion + 2, 0xFFFF);  // value length beyond the block: no children
    auto info = peVersionInfo(pe);
    REQUIRE(info.ok());
    CHECK(info.value().strings.empty());
    pe = good;
    pe[ts::kMiniPeVersion + 6] = 'X';  // not VS_VERSION_INFO
    CHECK_FALSE(peVersionInfo(pe).ok());
  }
  SUBCASE("many strings and long values are capped") {
    std::vector<std::pair<std::string, std::string>> many;
    many.reserve(100);
    for (int i = 0; i < 100; ++i) many.emplace_back("Key" + std::to_string(i), "v");
    auto info = peVersionInfo(miniPe({{"Long", std::string(2000, 'y')}}));
    REQUIRE(info.ok());
    CHECK(info.value().strings.at(0).value.size() == mamori::common::kMaxPeVersionValueBytes);
    auto capped = peVersionInfo(miniPe(many));
    REQUIRE(capped.ok());
    CHECK(capped.value().strings.size() == mamori::common::kMaxPeVersionStrings);
  }
}
