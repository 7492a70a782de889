#pragma once
// Opening the spool's SQLite file: pragmas, integrity check, schema. Kept apart from Spool so the
// "is this file usable?" decision lives in one place.

#include <Poco/Data/Session.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/Result.h"

namespace mamori::agent {

// Opens (creating if missing) the database at path, checks it with PRAGMA quick_check and creates
// the schema. Any failure is returned as an error: the caller decides to move the file aside.
common::Result<std::unique_ptr<Poco::Data::Session>> openSpoolDatabase(const std::string& path);

// Renames path (and its -wal/-shm companions, which belong to it) to
// "<path>.corrupt-<UTC time>"; returns the new path of the database file.
common::Result<std::string> moveSpoolAside(const std::string& path, std::int64_t nowMs);

}  // namespace mamori::agent
