#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "tests/collector/StoreContract.h"

// Never skipped silently: without a database this test fails and says how to provide one.
TEST_CASE("PostgreSQL store fulfils the store contract") {
  const char* url = std::getenv("MAMORI_TEST_PG_URL");
  if (url == nullptr || *url == '\0') {
    FAIL(
        "MAMORI_TEST_PG_URL is not set: point it at a throwaway database, e.g. "
        "postgresql://postgres@127.0.0.1:55432/mamori_test (scripts start one), or exclude this test "
        "with ctest -LE postgresql");
  }
  mamori::collector::test::checkStoreContract(url);
}
