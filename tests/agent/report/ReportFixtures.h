#pragma once
// The spool and identity store every report-pipeline test starts from, in a temporary folder.

#include <doctest/doctest.h>

#include <memory>

#include "agent/report/EventFactory.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/Spool.h"
#include "tests/agent/TestSupport.h"

namespace mamori::agent::test {

inline std::unique_ptr<Spool> openSpool(TempDir& dir, EventFactory& events) {
  auto opened = Spool::open(dir.file("spool.db"), {}, events);
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

inline std::unique_ptr<IdentityStore> loadIdentity(TempDir& dir, const common::Clock& clock) {
  auto loaded = IdentityStore::load(dir.file("identity.json"), clock.nowMs());
  REQUIRE(loaded.ok());
  return std::make_unique<IdentityStore>(std::move(loaded).value());
}

}  // namespace mamori::agent::test
