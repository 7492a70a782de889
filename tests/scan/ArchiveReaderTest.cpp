// Archives read through libarchive (scan/ArchiveReader) under the extractor's limits, with tar
// archives written here byte by byte (ustar headers); the fixture tree (make_fixtures.py) has real 7z,
// RAR5, tar.xz, cpio, ISO and zip64 files made by the Debian tools.
#include <zlib.h>

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "scan/ArchiveReader.h"
#include "scan/Extractor.h"
#include "scan/FileType.h"
#include "tests/scan/ScanTestSupport.h"

using namespace mamori::scan;

namespace {

using test::tarOf;

struct Seen {
  std::vector<std::string> parts;
  std::vector<NotInspected> skipped;
};

Seen extract(const std::string& data, const ExtractionLimits& limits) {
  Seen seen;
  Extractor(limits).extract(
      data,
      [&](const std::string& location, std::string_view part, PartKind) {
        seen.parts.push_back(location + "=" + std::string(part));
      },
      seen.skipped);
  return seen;
}

bool hasReason(const Seen& seen, const std::string& text) {
  for (const auto& s : seen.skipped)
    if (s.reason.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("tar members are read with their paths, nested archives inside them too") {
  const std::string inner = tarOf({{"secret.txt", "marked"}});
  const std::string outer = tarOf({{"docs/a.txt", "hello"}, {"docs/inner.tar", inner}});
  CHECK(sniffFileType(outer) == FileType::kArchive);
  const Seen seen = extract(outer, ExtractionLimits{});
  CHECK(seen.skipped.empty());
  REQUIRE(seen.parts.size() == 2);
  CHECK(seen.parts[0] == "docs/a.txt=hello");
  CHECK(seen.parts[1] == "docs/inner.tar!secret.txt=marked");
}

TEST_CASE("the policy's limits hold for libarchive's formats") {
  const std::string five = tarOf({{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "d"}, {"5", "e"}});
  SUBCASE("members past max_members are not read, and the reason says so") {
    ExtractionLimits limits;
    limits.maxMembers = 3;
    const Seen seen = extract(five, limits);
    CHECK(seen.parts.size() == 3);
    CHECK(hasReason(seen, "max_members (3)"));
  }
  SUBCASE("a member over the memory cap is skipped, the others read") {
    ExtractionLimits limits;
    limits.memoryCapBytes = 1000;
    const Seen seen = extract(tarOf({{"big", std::string(2000, 'x')}, {"small", "ok"}}), limits);
    REQUIRE(seen.parts.size() == 1);
    CHECK(seen.parts[0] == "small=ok");
    REQUIRE(seen.skipped.size() == 1);
    CHECK(seen.skipped[0].location == "big");
    CHECK(seen.skipped[0].kind == mamori::common::ErrorKind::kTooLarge);
  }
  SUBCASE("max_total_bytes counts every member of the file") {
    ExtractionLimits limits;
    limits.maxTotalBytes = 3000;
    const Seen seen = extract(tarOf({{"a", std::string(2000, 'a')}, {"b", std::string(2000, 'b')}}), limits);
    CHECK(seen.parts.size() == 1);
    CHECK(hasReason(seen, "max_total_bytes"));
  }
  SUBCASE("nesting deeper than max_depth stops with the reason") {
    std::string deep = "bottom";
    for (int i = 0; i < 5; ++i) deep = tarOf({{"level" + std::to_string(i), deep}});
    ExtractionLimits limits;
    limits.maxDepth = 2;
    const Seen seen = extract(deep, limits);
    CHECK(seen.parts.empty());
    CHECK(hasReason(seen, "max_depth (2)"));
  }
}

TEST_CASE("damaged and unknown archives give a reason, never a crash") {
  SUBCASE("a 7z signature followed by junk") {
    std::string junk("7z\xBC\xAF\x27\x1C", 6);
    for (int i = 0; i < 200; ++i) junk += static_cast<char>(i * 7);
    const Seen seen = extract(junk, ExtractionLimits{});
    CHECK(seen.parts.empty());
    REQUIRE(seen.skipped.size() == 1);
    CHECK(seen.skipped[0].reason.find("corrupt") == 0);
    CHECK(seen.skipped[0].kind == mamori::common::ErrorKind::kCorrupt);
  }
  SUBCASE("a tar cut inside a member") {
    const std::string whole = tarOf({{"a.txt", std::string(3000, 'a')}});
    const Seen seen = extract(whole.substr(0, 1500), ExtractionLimits{});
    CHECK(hasReason(seen, "corrupt"));
  }
  SUBCASE("a stream read as a member is bounded") {
    const std::string tar = tarOf({{"a", std::string(5000, 'a')}});  // outlives the reader
    auto reader = ArchiveReader::open(tar, false);
    REQUIRE(reader.ok());
    auto member = reader.value().next();
    REQUIRE(member.ok());
    REQUIRE(member.value().has_value());
    CHECK(member.value()->declaredSize == 5000);
    auto bytes = reader.value().read(100, 0);
    REQUIRE_FALSE(bytes.ok());
    CHECK(bytes.error().kind == mamori::common::ErrorKind::kTooLarge);
  }
}

TEST_CASE("sniffing: archive signatures, and text that only looks like one") {
  CHECK(sniffFileType(std::string("7z\xBC\xAF\x27\x1C\0\x04", 8)) == FileType::kArchive);
  CHECK(sniffFileType(std::string("Rar!\x1A\x07\x01\0", 8)) == FileType::kArchive);
  CHECK(sniffFileType(std::string("\xFD"
                                  "7zXZ\0\0\0",
                                  8)) == FileType::kCompressed);
  CHECK(sniffFileType(std::string("\x28\xB5\x2F\xFD\0\0", 6)) == FileType::kCompressed);
  CHECK(sniffFileType("BZh91AY&SY....") == FileType::kCompressed);
  CHECK(sniffFileType("BZh is not bzip2") == FileType::kOther);
  // A phone number at the start of a text file is not a cpio header.
  CHECK(sniffFileType("070701 2345 call me back about the contract, it is " + std::string(100, 'x')) ==
        FileType::kOther);
}

TEST_CASE("LZH archives are read by their own reader alone, stored members too") {
  const auto le = [](std::uint32_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8U * static_cast<unsigned>(i))) & 0xFFU));
    return out;
  };
  // A stored (uncompressed) zip as a member: its central directory is in the archive's bytes, which
  // the zip reader would bid on if it were asked.
  const std::string text = "Strictly Confidential";
  const auto zipCrc =
      static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
  const std::string entry = le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(zipCrc, 4) +
                            le(static_cast<std::uint32_t>(text.size()), 4) +
                            le(static_cast<std::uint32_t>(text.size()), 4) + le(8, 2) + le(0, 2);
  const std::string local = "PK\x03\x04" + entry + "plan.txt" + text;
  const std::string central =
      "PK\x01\x02" + le(20, 2) + entry + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + "plan.txt";
  const std::string zip = local + central + "PK\x05\x06" + le(0, 4) + le(1, 2) + le(1, 2) +
                          le(static_cast<std::uint32_t>(central.size()), 4) +
                          le(static_cast<std::uint32_t>(local.size()), 4) + le(0, 2);
  const std::string memo = "社外秘のメモ";
  // LZH level 0, method -lh0- (stored), each header with its checksum and the member's CRC-16.
  const auto crc16 = [](const std::string& data) {
    std::uint32_t crc = 0;
    for (const char c : data) {
      crc ^= static_cast<unsigned char>(c);
      for (int k = 0; k < 8; ++k) crc = (crc & 1U) != 0 ? (crc >> 1U) ^ 0xA001U : crc >> 1U;
    }
    return crc;
  };
  std::string lzh;
  for (const auto& [name, data] :
       std::vector<std::pair<std::string, std::string>>{{"a.zip", zip}, {"memo.txt", memo}}) {
    const std::string body = "-lh0-" + le(static_cast<std::uint32_t>(data.size()), 4) +
                             le(static_cast<std::uint32_t>(data.size()), 4) + le(0x5C210000, 4) + "\x20" +
                             std::string(1, '\0') + std::string(1, static_cast<char>(name.size())) + name +
                             le(crc16(data), 2);
    unsigned sum = 0;
    for (const char c : body) sum += static_cast<unsigned char>(c);
    lzh +=
        std::string(1, static_cast<char>(body.size())) + std::string(1, static_cast<char>(sum & 0xFFU)) + body + data;
  }
  lzh.push_back('\0');
  CHECK(sniffFileType(lzh) == FileType::kArchive);
  const Seen fromLzh = extract(lzh, ExtractionLimits{});
  CHECK(fromLzh.skipped.empty());
  CHECK(fromLzh.parts == std::vector<std::string>{"a.zip!plan.txt=Strictly Confidential", "memo.txt=" + memo});
  // Damaged: cut short, a reason and no crash.
  CHECK_FALSE(extract(lzh.substr(0, 40), ExtractionLimits{}).skipped.empty());
}
