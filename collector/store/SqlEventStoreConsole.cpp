// SqlEventStore: web console accounts, sessions and failed sign-ins (schema migration 4), incident
// status and comments (migration 6).

#include <Poco/Data/Statement.h>

#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

common::Result<bool> SqlEventStore::addConsoleUser(const ConsoleUser& user) {
  bool added = false;
  auto ran = runErased("adding a console user", true, [&](Session& session) {
    std::string name = user.name, role = user.role, hash = user.passwordHash;
    Poco::Int64 created = user.createdMs;
    std::vector<std::string> names;
    session << sql("SELECT name FROM console_users WHERE name = ?"), use(name), into(names), now;
    if (!names.empty()) return;
    session << sql("INSERT INTO console_users (name, role, password_hash, created_ms) VALUES (?, ?, ?, ?)"), use(name),
        use(role), use(hash), use(created), now;
    added = true;
  });
  if (!ran) return ran.error();
  return added;
}

common::Result<bool> SqlEventStore::setConsolePassword(const std::string& name, const std::string& passwordHash) {
  bool found = false;
  auto ran = runErased("changing a console password", true, [&](Session& session) {
    std::string user = name, hash = passwordHash;
    std::vector<std::string> names;
    session << sql("SELECT name FROM console_users WHERE name = ?"), use(user), into(names), now;
    if (names.empty()) return;
    session << sql("UPDATE console_users SET password_hash = ? WHERE name = ?"), use(hash), use(user), now;
    // A new password ends every session signed in with the old one.
    session << sql("DELETE FROM console_sessions WHERE user_name = ?"), use(user), now;
    found = true;
  });
  if (!ran) return ran.error();
  return found;
}

common::Result<bool> SqlEventStore::removeConsoleUser(const std::string& name) {
  bool found = false;
  auto ran = runErased("removing a console user", true, [&](Session& session) {
    std::string user = name;
    std::vector<std::string> names;
    session << sql("SELECT name FROM console_users WHERE name = ?"), use(user), into(names), now;
    if (names.empty()) return;
    session << sql("DELETE FROM console_sessions WHERE user_name = ?"), use(user), now;
    session << sql("DELETE FROM console_users WHERE name = ?"), use(user), now;
    found = true;
  });
  if (!ran) return ran.error();
  return found;
}

common::Result<std::optional<ConsoleUser>> SqlEventStore::consoleUser(const std::string& name) {
  std::optional<ConsoleUser> user;
  auto ran = runErased("looking up a console user", false, [&](Session& session) {
    std::string key = name;
    std::vector<std::string> names, roles, hashes;
    std::vector<Poco::Int64> created;
    session << sql("SELECT name, role, password_hash, created_ms FROM console_users WHERE name = ?"), use(key),
        into(names), into(roles), into(hashes), into(created), now;
    if (!names.empty()) user = ConsoleUser{names[0], roles[0], hashes[0], created[0]};
  });
  if (!ran) return ran.error();
  return user;
}

common::Result<std::vector<ConsoleUser>> SqlEventStore::listConsoleUsers() {
  std::vector<ConsoleUser> users;
  auto ran = runErased("listing console users", false, [&](Session& session) {
    std::vector<std::string> names, roles;
    std::vector<Poco::Int64> created;
    session << "SELECT name, role, created_ms FROM console_users ORDER BY name", into(names), into(roles),
        into(created), now;
    for (std::size_t i = 0; i < names.size(); ++i) users.push_back(ConsoleUser{names[i], roles[i], "", created[i]});
  });
  if (!ran) return ran.error();
  return users;
}

common::Status SqlEventStore::createConsoleSession(const ConsoleSession& console, std::int64_t staleBeforeMs,
                                                   std::int64_t expiredBeforeMs) {
  return runErased("creating a console session", true, [&](Session& session) {
    Poco::Int64 stale = staleBeforeMs, expired = expiredBeforeMs;
    session << sql("DELETE FROM console_sessions WHERE last_seen_ms < ? OR created_ms < ?"), use(stale), use(expired),
        now;
    std::string id = console.idSha256, user = console.user, csrf = console.csrfToken;
    Poco::Int64 created = console.createdMs, seen = console.lastSeenMs;
    session << sql(
        "INSERT INTO console_sessions (id_sha256, user_name, csrf_token, created_ms, last_seen_ms)"
        " VALUES (?, ?, ?, ?, ?)"),
        use(id), use(user), use(csrf), use(created), use(seen), now;
  });
}

common::Result<std::optional<ConsoleSession>> SqlEventStore::consoleSession(const std::string& idSha256) {
  std::optional<ConsoleSession> found;
  auto ran = runErased("looking up a console session", false, [&](Session& session) {
    std::string id = idSha256;
    std::vector<std::string> users, roles, tokens;
    std::vector<Poco::Int64> created, seen;
    session << sql(
        "SELECT s.user_name, u.role, s.csrf_token, s.created_ms, s.last_seen_ms FROM console_sessions s"
        " JOIN console_users u ON u.name = s.user_name WHERE s.id_sha256 = ?"),
        use(id), into(users), into(roles), into(tokens), into(created), into(seen), now;
    if (!users.empty()) found = ConsoleSession{idSha256, users[0], roles[0], tokens[0], created[0], seen[0]};
  });
  if (!ran) return ran.error();
  return found;
}

common::Status SqlEventStore::touchConsoleSession(const std::string& idSha256, std::int64_t nowMs) {
  return runErased("refreshing a console session", true, [&](Session& session) {
    std::string id = idSha256;
    Poco::Int64 seen = nowMs;
    session << sql("UPDATE console_sessions SET last_seen_ms = ? WHERE id_sha256 = ?"), use(seen), use(id), now;
  });
}

common::Status SqlEventStore::deleteConsoleSession(const std::string& idSha256) {
  return runErased("ending a console session", true, [&](Session& session) {
    std::string id = idSha256;
    session << sql("DELETE FROM console_sessions WHERE id_sha256 = ?"), use(id), now;
  });
}

common::Result<LoginFailures> SqlEventStore::loginFailures(const std::string& subject) {
  LoginFailures failures;
  auto ran = runErased("reading failed sign-ins", false, [&](Session& session) {
    std::string key = subject;
    std::vector<int> counts;
    std::vector<Poco::Int64> starts, locks;
    session << sql("SELECT failures, window_start_ms, locked_until_ms FROM console_login_failures WHERE subject = ?"),
        use(key), into(counts), into(starts), into(locks), now;
    if (!counts.empty()) failures = LoginFailures{counts[0], starts[0], locks[0]};
  });
  if (!ran) return ran.error();
  return failures;
}

common::Status SqlEventStore::setLoginFailures(const std::string& subject, const LoginFailures& failures) {
  return runErased("recording failed sign-ins", true, [&](Session& session) {
    std::string key = subject;
    if (failures.failures == 0 && failures.lockedUntilMs == 0) {
      session << sql("DELETE FROM console_login_failures WHERE subject = ?"), use(key), now;
      return;
    }
    int count = failures.failures;
    Poco::Int64 start = failures.windowStartMs, locked = failures.lockedUntilMs;
    session << sql(
        "INSERT INTO console_login_failures (subject, failures, window_start_ms, locked_until_ms) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures,"
        " window_start_ms = excluded.window_start_ms, locked_until_ms = excluded.locked_until_ms"),
        use(key), use(count), use(start), use(locked), now;
  });
}

common::Status SqlEventStore::putIncidentState(const IncidentState& state) {
  return runErased("storing an incident status", true, [&](Session& session) {
    std::string id = state.incidentId, status = state.status, comment = state.comment, by = state.updatedBy;
    Poco::Int64 updated = state.updatedMs;
    session << sql(
        "INSERT INTO incident_states (incident_id, status, comment, updated_by, updated_ms) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (incident_id) DO UPDATE SET status = excluded.status, comment = excluded.comment,"
        " updated_by = excluded.updated_by, updated_ms = excluded.updated_ms"),
        use(id), use(status), use(comment), use(by), use(updated), now;
  });
}

common::Result<std::vector<IncidentState>> SqlEventStore::listIncidentStates() {
  std::vector<IncidentState> states;
  auto ran = runErased("listing incident statuses", false, [&](Session& session) {
    std::vector<std::string> ids, statuses, comments, by;
    std::vector<Poco::Int64> updated;
    session << "SELECT incident_id, status, comment, updated_by, updated_ms FROM incident_states ORDER BY incident_id",
        into(ids), into(statuses), into(comments), into(by), into(updated), now;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      states.push_back(IncidentState{ids[i], statuses[i], comments[i], by[i], updated[i]});
    }
  });
  if (!ran) return ran.error();
  return states;
}

}  // namespace mamori::collector::store
