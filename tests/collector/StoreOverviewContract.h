#pragma once
// The console overview's counts (schema migration 9), written once and run against SQLite and
// PostgreSQL, each on an empty database of its own (the counts are exact).

#include <Poco/Data/Session.h>

#include <cstdint>

#include "collector/store/EventStore.h"

namespace mamori::collector::test {

void checkOverviewContract(store::EventStore& store, Poco::Data::Session& session, std::int64_t nowMs);

// The rollup tables hold exactly what counting the events table gives.
void checkCountsMatchEvents(Poco::Data::Session& session);

}  // namespace mamori::collector::test
