#include "collector/store/DbUrl.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <map>

#include "common/Split.h"

namespace mamori::collector::store {

namespace {

// libpq keyword/value strings quote values with '...' and escape ' and \ with a backslash.
std::string quoteValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

bool isKeyword(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

std::string decode(const std::string& text) {
  std::string out;
  Poco::URI::decode(text, out);
  return out;
}

common::Result<DbTarget> parsePostgres(const std::string& url) {
  constexpr std::string_view kUsage = "expected postgresql://user[:password]@host[:port]/dbname";
  const std::string schemeEnd = "://";
  const auto afterScheme = url.find(schemeEnd);
  std::string rest = url.substr(afterScheme + schemeEnd.size());
  std::string query;
  if (const auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return common::makeError(std::string(kUsage) + " (no database name)", "--db");
  std::string authority = rest.substr(0, slash);
  const std::string dbname = decode(rest.substr(slash + 1));
  if (dbname.empty()) return common::makeError(std::string(kUsage) + " (no database name)", "--db");

  std::map<std::string, std::string> params;  // ordered: a stable connection string
  params["dbname"] = dbname;
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string userInfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userInfo.find(':');
    params["user"] = decode(userInfo.substr(0, colon));
    if (colon != std::string::npos) params["password"] = decode(userInfo.substr(colon + 1));
  }
  if (!authority.empty()) {
    std::string host = authority;
    std::string port;
    if (authority.front() == '[') {  // [::1]:5432
      const auto close = authority.find(']');
      if (close == std::string::npos) return common::makeError("unterminated [IPv6] host", "--db");
      host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
    } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!host.empty()) params["host"] = decode(host);
    if (!port.empty()) params["port"] = port;
  }
  for (const std::string_view field : common::splitFields(query, '&')) {
    if (field.empty()) continue;
    const std::string pair(field);
    const auto eq = pair.find('=');
    const std::string key = decode(pair.substr(0, eq));
    if (!isKeyword(key) || eq == std::string::npos) {
      return common::makeError("query parameter \"" + pair + "\" is not a libpq key=value", "--db");
    }
    params[key] = decode(pair.substr(eq + 1));
  }
  if (params.count("port") != 0) {
    const std::string& port = params["port"];
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
      return common::makeError("port \"" + port + "\" is not a number", "--db");
    }
  }

  DbTarget target;
  target.backend = Backend::PostgreSQL;
  for (const auto& [key, value] : params) {
    if (!target.connectionString.empty()) target.connectionString += ' ';
    target.connectionString += key + "=" + quoteValue(value);
  }
  target.display = "postgresql://";
  if (params.count("user") != 0) target.display += params["user"] + "@";
  target.display += (params.count("host") != 0 ? params["host"] : std::string("localhost"));
  if (params.count("port") != 0) target.display += ":" + params["port"];
  target.display += "/" + dbname;
  return target;
}

}  // namespace

common::Result<DbTarget> parseDbUrl(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs/path
    if (path.empty()) return common::makeError("expected sqlite:/path/to/file.db", "--db");
    return DbTarget{Backend::SQLite, path, "sqlite:" + path};
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    try {
      return parsePostgres(url);
    } catch (const Poco::Exception& e) {  // bad percent-encoding
      return common::makeError("malformed PostgreSQL URL: " + e.displayText(), "--db");
    }
  }
  return common::makeError(
      "unknown database URL \"" + url + "\": expected sqlite:PATH or postgresql://user@host:port/dbname", "--db");
}

std::string placeholdersFor(Backend backend, const std::string& sql) {
  if (backend != Backend::PostgreSQL) return sql;
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mamori::collector::store
