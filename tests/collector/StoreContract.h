#pragma once
// The behaviour every EventStore backend must have, written once and run against SQLite (always)
// and PostgreSQL (collector_store_postgresql, MAMORI_TEST_PG_URL). Uses fresh agent and event ids
// so it can run on a database that already holds data.

#include <string>

namespace mamori::collector::test {

void checkStoreContract(const std::string& dbUrl);

}  // namespace mamori::collector::test
