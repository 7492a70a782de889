#pragma once
// Parses the --db option into what Poco::Data needs: a connector name and a connection string.
//   sqlite:/var/lib/mamori-collector/collector.db
//   postgresql://user:pass@host:5432/dbname
//   postgresql:///dbname?host=/run/postgresql&port=5433   (host is a Unix socket directory)
// Pure: tested with strings.

#include <string>

#include "common/Result.h"

namespace mamori::collector::store {

enum class Backend { SQLite, PostgreSQL };

struct DbTarget {
  Backend backend = Backend::SQLite;
  std::string connectionString;  // SQLite: the file path; PostgreSQL: libpq "key=value ..." form
  std::string display;           // the URL without its password, for logs
};

common::Result<DbTarget> parseDbUrl(const std::string& url);

// SQL written with "?" placeholders as the backend wants it: unchanged for SQLite, "$1", "$2" ... for
// PostgreSQL. The statements using it hold no '?' inside string literals.
std::string placeholdersFor(Backend backend, const std::string& sql);

}  // namespace mamori::collector::store
