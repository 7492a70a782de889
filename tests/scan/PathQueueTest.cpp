// The walker-to-threads queue: whole batches while the walk goes on, shares of what is left once it
// has ended (so no thread is left alone with the last batch), every item handed out once, in order.
#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "scan/PathQueue.h"

namespace {

using Queue = mamori::scan::BatchQueue<int>;

std::vector<int> numbers(int from, int count) {
  std::vector<int> out(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) out[static_cast<std::size_t>(i)] = from + i;
  return out;
}

}  // namespace

TEST_CASE("path queue: batches are handed out whole while the walk goes on") {
  Queue queue(2, 8);
  REQUIRE(queue.push(numbers(0, 64)));
  REQUIRE(queue.push(numbers(64, 44)));
  auto first = queue.pop();
  REQUIRE(first);
  CHECK(*first == numbers(0, 64));
  auto second = queue.pop();
  REQUIRE(second);
  CHECK(*second == numbers(64, 44));
}

TEST_CASE("path queue: after the walk, a thread takes at most its share of what is left") {
  Queue queue(2, 8);
  int next = 0;
  for (const int size : {64, 64, 64, 64, 44}) {
    REQUIRE(queue.push(numbers(next, size)));
    next += size;
  }
  queue.close();
  std::size_t left = 300;
  std::vector<int> seen;
  std::vector<std::size_t> sizes;
  while (auto batch = queue.pop()) {
    REQUIRE_FALSE(batch->empty());
    CHECK(batch->size() <= (left + 1) / 2);
    left -= batch->size();
    sizes.push_back(batch->size());
    seen.insert(seen.end(), batch->begin(), batch->end());
  }
  CHECK(left == 0);
  CHECK(seen == numbers(0, 300));  // the walker's order, nothing lost or repeated
  // Three whole batches, then halves of what is left: the last files are shared, not read by one thread.
  CHECK(sizes == std::vector<std::size_t>{64, 64, 64, 54, 10, 22, 11, 6, 3, 1, 1});
}

TEST_CASE("path queue: one thread takes whole batches, and a closed queue takes no more") {
  Queue queue(1, 8);
  REQUIRE(queue.push(numbers(0, 64)));
  REQUIRE(queue.push(numbers(64, 3)));
  queue.close();
  CHECK_FALSE(queue.push(numbers(100, 1)));
  CHECK(queue.pop()->size() == 64);
  CHECK(queue.pop()->size() == 3);
  CHECK_FALSE(queue.pop().has_value());
}

TEST_CASE("path queue: threads popping while the walker pushes get every item once") {
  constexpr int kItems = 20'000;
  Queue queue(4, 2);  // a small capacity: the walker waits for the threads, as on a large tree
  std::mutex mutex;
  std::vector<int> seen;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<int> mine;
      while (auto batch = queue.pop()) mine.insert(mine.end(), batch->begin(), batch->end());
      const std::lock_guard lock(mutex);
      seen.insert(seen.end(), mine.begin(), mine.end());
    });
  }
  for (int from = 0; from < kItems; from += 64) REQUIRE(queue.push(numbers(from, std::min(64, kItems - from))));
  queue.close();
  for (auto& thread : threads) thread.join();
  std::sort(seen.begin(), seen.end());
  CHECK(seen == numbers(0, kItems));
}
