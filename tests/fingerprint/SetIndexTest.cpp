#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "fingerprint/SetIndex.h"
#include "fingerprint/SignedSet.h"

namespace fp = mamori::fingerprint;

namespace {

std::set<std::uint64_t> payloads(const fp::SetIndex& index, std::uint64_t hash) {
  std::set<std::uint64_t> out;
  const auto [from, to] = index.find(hash);
  for (auto i = from; i < to; ++i) out.insert(index.payloadAt(i));
  return out;
}

}  // namespace

TEST_CASE("the index finds every entry's payloads and, for other hashes, nothing") {
  for (const std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{5000}}) {
    std::mt19937_64 rng(count);
    std::vector<fp::SetIndex::Entry> entries;
    std::map<std::uint64_t, std::set<std::uint64_t>> expected;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t hash = i % 7 == 3 && i > 0 ? entries.back().hash : rng();  // some hashes held twice
      const std::uint64_t payload = rng() % 1000;
      entries.push_back({hash, payload});
      expected[hash].insert(payload);
    }
    entries.push_back(entries.empty() ? fp::SetIndex::Entry{1, 1} : entries.front());  // a duplicate
    if (count == 0) expected[1].insert(1);
    const auto index = fp::SetIndex::build(entries, 10);
    std::size_t distinct = 0;
    for (const auto& [hash, want] : expected) {
      CHECK(payloads(index, hash) == want);
      distinct += want.size();
    }
    CHECK(index.size() == distinct);
    for (int i = 0; i < 2000; ++i) CHECK(payloads(index, rng()).empty());
    // The bytes, viewed again, are the same index.
    auto storage = std::make_shared<const std::string>("head" + std::string(index.bytes()));
    auto viewed = fp::SetIndex::view(storage, 4, index.size(), index.bucketBits(), index.payloadBits(), "t");
    REQUIRE(viewed);
    CHECK(viewed.value().bytes() == index.bytes());
    for (const auto& [hash, want] : expected) CHECK(payloads(viewed.value(), hash) == want);
  }
}

TEST_CASE("a million entries take 8 bytes each and under half a byte of directory") {
  std::mt19937_64 rng(7);
  std::vector<fp::SetIndex::Entry> entries(1'000'000);
  for (auto& e : entries) e = {rng(), rng() % (1U << 23U)};
  const auto index = fp::SetIndex::build(entries, 23);
  CHECK(index.size() == 1'000'000);
  CHECK(index.bytes().size() <= 8'500'000);
  CHECK(payloads(index, entries[123'456].hash).count(entries[123'456].payload) == 1);
}

TEST_CASE("a damaged table is refused with where") {
  std::vector<fp::SetIndex::Entry> entries;
  for (std::uint64_t i = 0; i < 100; ++i) entries.push_back({i * 0x9E3779B97F4A7C15ULL, i % 4});
  const auto index = fp::SetIndex::build(entries, 2);
  const std::string bytes(index.bytes());
  const auto view = [&](const std::string& b, std::uint64_t count, unsigned bucketBits, unsigned payloadBits) {
    return fp::SetIndex::view(std::make_shared<const std::string>(b), 0, count, bucketBits, payloadBits, "table");
  };
  CHECK(view(bytes, 100, index.bucketBits(), 2));
  CHECK_FALSE(view(bytes, 101, index.bucketBits(), 2));      // runs past the end
  CHECK_FALSE(view(bytes, 100, index.bucketBits() + 1, 2));  // the directory is read wrong
  CHECK_FALSE(view(bytes, 100, 200, 2));                     // bucket bits out of range
  CHECK_FALSE(view(bytes, 100, index.bucketBits(), 41));     // payload bits out of range
  std::string swapped = bytes;
  const std::size_t records = bytes.size() - 800;
  std::swap_ranges(swapped.data() + records, swapped.data() + records + 8, swapped.data() + records + 8);
  auto refused = view(swapped, 100, index.bucketBits(), 2);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().where == "table");
}

TEST_CASE("the signed set file splits into artifact, signature and key; other layouts are refused") {
  std::string artifact = "MAMORSET" + std::string(152, '\0');
  for (int i = 0; i < 8; ++i) artifact[16 + i] = static_cast<char>((std::uint64_t{160} >> (8 * i)) & 0xFF);
  const auto signer = mamori::common::SigningKey::generate().value();
  auto signedSet = fp::signSetArtifact(signer, artifact);
  REQUIRE(signedSet);
  CHECK(signedSet.value().size() == 160 + fp::kSignatureTrailerBytes);
  auto verified = fp::verifySignedSet(signedSet.value(), signer.publicKey());
  REQUIRE_MESSAGE(verified, (verified ? "" : verified.error().describe()));
  CHECK(verified.value().artifactBytes == 160);
  CHECK_FALSE(verified.value().keyText);
  const std::string keyText(43, 'A');
  const std::string withKey = fp::appendFleetKey(signedSet.value(), keyText);
  auto parts = fp::splitSignedSet(withKey);
  REQUIRE(parts);
  CHECK(parts.value().keyText == keyText);
  CHECK_FALSE(fp::splitSignedSet(withKey + "x"));
  CHECK_FALSE(fp::splitSignedSet(withKey.substr(0, withKey.size() - 1)));
  CHECK_FALSE(fp::splitSignedSet(artifact));  // no signature
  auto other = fp::verifySignedSet(signedSet.value(), mamori::common::SigningKey::generate().value().publicKey());
  REQUIRE_FALSE(other);
  CHECK(other.error().kind == mamori::common::ErrorKind::kDenied);
  std::string tampered = signedSet.value();
  tampered[100] = 'x';
  CHECK_FALSE(fp::verifySignedSet(tampered, signer.publicKey()));
}

TEST_CASE("find and findMany agree at the edges: a value many entries share, the highest hashes, many buckets") {
  std::mt19937_64 rng(18);
  std::vector<fp::SetIndex::Entry> entries;
  std::map<std::uint64_t, std::set<std::uint64_t>> expected;
  const auto add = [&](std::uint64_t hash, std::uint64_t payload) {
    entries.push_back({hash, payload});
    expected[hash].insert(payload);
  };
  for (std::uint64_t i = 0; i < 3000; ++i) add(0x5555'0000'0000'0000ULL, i);  // one value of 3,000 rows
  add(~std::uint64_t{0}, 7);                                                  // the highest fragment
  add(~std::uint64_t{0} ^ (std::uint64_t{1} << 40U), 8);                      // differs in a bit both widths keep
  for (int i = 0; i < 20000; ++i) add(rng(), rng() % 4096);
  // Payloads of 2 bits leave records of 56 bits (fewer payload than bucket bits); 12 and 40, of 64.
  for (const unsigned payloadBits : {2U, 12U, 40U}) {
    const auto index = fp::SetIndex::build(entries, payloadBits);
    const std::uint64_t mask = (std::uint64_t{1} << payloadBits) - 1;
    std::vector<std::uint64_t> hashes;
    hashes.reserve(expected.size() + 1000);
    for (const auto& [hash, want] : expected) hashes.push_back(hash);
    for (int i = 0; i < 1000; ++i) hashes.push_back(rng());
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges(hashes.size());
    index.findMany(hashes.data(), hashes.size(), ranges.data());
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      CHECK(ranges[i] == index.find(hashes[i]));
      std::set<std::uint64_t> found;
      for (auto r = ranges[i].first; r < ranges[i].second; ++r) found.insert(index.payloadAt(r));
      std::set<std::uint64_t> want;
      if (const auto it = expected.find(hashes[i]); it != expected.end())
        for (const auto payload : it->second) want.insert(payload & mask);
      CHECK(found == want);
    }
    // With the filter in front (decision 0063): the same records for every hash, most absent ones
    // answered without a search, and find and findMany still agree.
    auto filtered = index;
    filtered.addFilter();
    CHECK(filtered.filterBytes() >= index.size() / 8);
    CHECK(index.filterBytes() == 0);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> again(hashes.size());
    filtered.findMany(hashes.data(), hashes.size(), again.data());
    std::size_t skipped = 0, absent = 0;
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      CHECK(again[i] == filtered.find(hashes[i]));
      if (ranges[i].first != ranges[i].second) {
        CHECK(again[i] == ranges[i]);
      } else {
        ++absent;
        CHECK(again[i].first == again[i].second);
        skipped += again[i] == std::pair<std::uint64_t, std::uint64_t>{0, 0} ? 1 : 0;
      }
    }
    CHECK(skipped > absent * 3 / 4);
  }
}

TEST_CASE("the filter knows every entry of large and empty tables") {
  std::mt19937_64 rng(63);
  std::vector<fp::SetIndex::Entry> entries;
  entries.reserve(200000);
  for (int i = 0; i < 200000; ++i) entries.push_back({rng(), static_cast<std::uint64_t>(i % 1000)});
  auto index = fp::SetIndex::build(entries, 10);
  index.addFilter();
  std::size_t found = 0;
  for (const auto& entry : entries) found += index.find(entry.hash).second > index.find(entry.hash).first ? 1 : 0;
  CHECK(found == entries.size());
  std::size_t passed = 0;
  for (int i = 0; i < 100000; ++i) {
    const auto [from, to] = index.find(rng());
    passed += from != to ? 1 : 0;
  }
  CHECK(passed < 100);  // a random 64-bit value is in the table only by a fragment's collision
  // Two bits of one word an entry (decision 0069): about 10.5 bits an entry here, so an absent hash
  // finds both its bits set about 3% of the time (a bit an entry: 9%). find() answers {0, 0} at once
  // for the others; one the filter lets through gets the position its search ends at.
  std::size_t throughFilter = 0;
  for (int i = 0; i < 100000; ++i)
    throughFilter += index.find(rng()) == std::pair<std::uint64_t, std::uint64_t>{0, 0} ? 0 : 1;
  CHECK(throughFilter > 1000);
  CHECK(throughFilter < 5000);
  auto empty = fp::SetIndex::build({}, 4);
  empty.addFilter();
  CHECK(empty.find(rng()) == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}
