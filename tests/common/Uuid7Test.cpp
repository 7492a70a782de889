#include <doctest/doctest.h>

#include <set>
#include <thread>
#include <vector>

#include "common/Uuid7.h"

using namespace mamori::common;

TEST_CASE("UUIDv7 ids are canonical, carry their millisecond and the version and variant bits") {
  Uuid7Generator gen;
  const std::string id = gen.next(1'763'866'083'123);
  CHECK(isCanonicalUuid(id));
  CHECK(id[14] == '7');
  CHECK((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));
  CHECK(uuid7Millis(id) == 1'763'866'083'123);
}

TEST_CASE("ids of one generator strictly increase, also within one millisecond and when the clock steps back") {
  Uuid7Generator gen;
  std::string previous = gen.next(1000);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t ms = i < 10000 ? 1000 : 999;  // second half: the clock went backwards
    const std::string id = gen.next(ms);
    REQUIRE(id > previous);
    previous = id;
  }
}

TEST_CASE("ids made concurrently are unique") {
  Uuid7Generator gen;
  std::vector<std::vector<std::string>> perThread(4);
  std::vector<std::thread> threads;
  threads.reserve(perThread.size());
  for (auto& out : perThread) {
    threads.emplace_back([&gen, &out] {
      for (int i = 0; i < 5000; ++i) out.push_back(gen.next(42));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : perThread) all.insert(out.begin(), out.end());
  CHECK(all.size() == 20000);
}

TEST_CASE("malformed ids are recognised") {
  CHECK_FALSE(isCanonicalUuid(""));
  CHECK_FALSE(isCanonicalUuid("019ab123-4567-7abc-8def-0123456789aB"));  // upper case
  CHECK_FALSE(isCanonicalUuid("019ab123x4567-7abc-8def-0123456789ab"));
  CHECK(uuid7Millis("019ab123-4567-4abc-8def-0123456789ab") == -1);  // version 4
}
