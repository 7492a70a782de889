#pragma once
// Versioned schema migrations: an ordered list, each applied once inside one transaction together
// with its row in schema_version. Two collectors starting at once on one PostgreSQL serialize on an
// advisory lock; on SQLite, BEGIN IMMEDIATE takes the write lock before anything is read.

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>
#include <vector>

#include "collector/store/DbUrl.h"

namespace mamori::collector::store {

struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;  // may hold {TEXT_C}: a text column that sorts bytewise
  // Runs after the statements, in the same transaction, for what plain SQL cannot say (names and
  // ranges computed from the data); nullptr = none.
  void (*code)(Poco::Data::Session& session, Backend backend, std::int64_t nowMs) = nullptr;
};

const std::vector<Migration>& migrations();

// Brings the schema to the newest version and returns it. Throws Poco exceptions (the caller turns
// them into an Error); leaves the database untouched when a migration fails.
// maxVersion stops earlier (tests build an older schema to check an upgrade).
int migrateSchema(Poco::Data::Session& session, Backend backend, std::int64_t nowMs, int maxVersion = 1 << 30);

}  // namespace mamori::collector::store
