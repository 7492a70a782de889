#pragma once
// Versioned schema migrations: an ordered list, each applied once inside one transaction together
// with its row in schema_version. Two collectors starting at once on one PostgreSQL serialize on an
// advisory lock; on SQLite, BEGIN IMMEDIATE takes the write lock before anything is read.

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

#include "collector/store/DbUrl.h"

namespace mamori::collector::store {

struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;  // may hold {TEXT_C}: a text column that sorts bytewise
};

const std::vector<Migration>& migrations();

// Brings the schema to the newest version and returns it. Throws Poco exceptions (the caller turns
// them into an Error); leaves the database untouched when a migration fails.
int migrateSchema(Poco::Data::Session& session, Backend backend, std::int64_t nowMs);

}  // namespace mamori::collector::store
