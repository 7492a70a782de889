// The web console's server side without a network: password hashing, the session rules, static
// file resolution, and CollectorApi's session / CSRF / role checks over a real SQLite store with a
// fake clock (docs/decisions/0012-console-auth.md).

#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "collector/console/PasswordHash.h"
#include "collector/console/Sessions.h"
#include "collector/console/StaticFiles.h"
#include "collector/server/CollectorApi.h"
#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/Crypto.h"
#include "common/Utf8.h"
#include "tests/collector/TempDir.h"

using namespace mamori;
using namespace mamori::collector;
namespace fs = std::filesystem;

namespace {

// Cheap parameters keep the tests fast; the format and the verification path are the same.
const console::ScryptParams kFast{10, 8, 1};

}  // namespace

TEST_CASE("scrypt password hashes verify the right password only and carry their parameters") {
  auto hash = console::hashPassword("correct horse battery", kFast);
  REQUIRE(hash.ok());
  CHECK(hash.value().rfind("scrypt$10$8$1$", 0) == 0);
  CHECK(console::verifyPassword("correct horse battery", hash.value()));
  CHECK_FALSE(console::verifyPassword("correct horse batterY", hash.value()));
  CHECK_FALSE(console::verifyPassword("", hash.value()));
  auto again = console::hashPassword("correct horse battery", kFast);
  CHECK(again.value() != hash.value());  // a fresh salt each time
}

TEST_CASE("the default scrypt cost is 2^15 x 8 (32 MiB per guess)") {
  auto hash = console::hashPassword("correct horse battery");
  REQUIRE(hash.ok());
  CHECK(hash.value().rfind("scrypt$15$8$1$", 0) == 0);
  CHECK(console::verifyPassword("correct horse battery", hash.value()));
}

TEST_CASE("malformed or tampered hashes never verify and never allocate without bound") {
  auto hash = console::hashPassword("correct horse battery", kFast).value();
  const std::vector<std::string> bads = {std::string(),
                                         std::string("plain"),
                                         std::string("scrypt$10$8$1$00$"),
                                         std::string("bcrypt$10$8$1$0011$00112233445566778899aabbccddeeff"),
                                         "scrypt$30$8$1$" + hash.substr(14),  // N = 2^30: refused, not computed
                                         "scrypt$10$999$1$" + hash.substr(14),
                                         "scrypt$18$8$1$" + hash.substr(14),
                                         "scrypt$10$8$3$" + hash.substr(14),
                                         "scrypt$10$8$1$zz$" + hash.substr(hash.rfind('$') + 1),
                                         hash + "$extra",
                                         hash.substr(0, hash.size() - 2)};
  for (const auto& bad : bads) {
    CHECK_FALSE(console::verifyPassword("correct horse battery", bad));
  }
}

TEST_CASE("new console passwords: length, UTF-8, no control characters") {
  CHECK(console::passwordProblem("short") != "");
  CHECK(console::passwordProblem("long enough pass") == "");
  CHECK(console::passwordProblem("trailing newline\n") != "");
  CHECK(console::passwordProblem(std::string("bad utf8 \xff\xfe here")) != "");
  CHECK(console::passwordProblem(std::string(2000, 'a')) != "");
}

TEST_CASE("session cookie: read from a Cookie header, written with every protective attribute") {
  CHECK(console::cookieValue("a=1; __Host-mamori_session=abc; b=2", console::kSessionCookie) == "abc");
  CHECK(console::cookieValue("x__Host-mamori_session=evil", console::kSessionCookie) == "");
  CHECK(console::cookieValue("__Host-mamori_session_x=evil", console::kSessionCookie) == "");
  CHECK(console::cookieValue("", console::kSessionCookie) == "");
  const std::string cookie = console::sessionCookie("abc", 3'600'000);
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict", "; Max-Age=3600"}) {
    CHECK(cookie.find(attribute) != std::string::npos);
  }
  CHECK(console::clearedSessionCookie().find("Max-Age=0") != std::string::npos);
}

TEST_CASE("sessions expire when idle and at their absolute limit") {
  const console::SessionLimits limits{1000, 5000};
  CHECK_FALSE(console::sessionExpired(0, 0, 999, limits));
  CHECK(console::sessionExpired(0, 0, 1000, limits));
  CHECK_FALSE(console::sessionExpired(0, 4500, 4999, limits));
  CHECK(console::sessionExpired(0, 4900, 5000, limits));  // active, but too old
  CHECK(console::sessionExpired(10, 10, 5, limits));      // the clock went back: do not trust it
}

TEST_CASE("failed sign-ins lock after the limit within the window, and old failures are forgotten") {
  const console::FailureRule rule{3, 1000, 5000};
  console::FailureState state;
  state = console::afterFailure(state, 100, rule);
  state = console::afterFailure(state, 200, rule);
  CHECK(state.lockedUntilMs == 0);
  state = console::afterFailure(state, 300, rule);
  CHECK(state.lockedUntilMs == 5300);
  console::FailureState slow;
  slow = console::afterFailure(slow, 0, rule);
  slow = console::afterFailure(slow, 500, rule);
  slow = console::afterFailure(slow, 2000, rule);  // the window restarted: only one counts
  CHECK(slow.lockedUntilMs == 0);
  CHECK(slow.failures == 1);
}

TEST_CASE("user names and roles") {
  CHECK(console::isValidUserName("alice.o-k_2@corp"));
  CHECK_FALSE(console::isValidUserName(""));
  CHECK_FALSE(console::isValidUserName("a b"));
  CHECK_FALSE(console::isValidUserName("<script>"));
  CHECK(console::canonicalRole("admin") == "administrator");
  CHECK(console::canonicalRole("viewer") == "viewer");
  CHECK(console::canonicalRole("root") == "");
}

TEST_CASE("static files resolve inside the root only") {
  test::TempDir dir;
  const fs::path root = fs::path(dir.path()) / "dist";
  fs::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<!doctype html>";
  std::ofstream(root / "assets" / "app-1.js") << "x";
  std::ofstream(fs::path(dir.path()) / "secret.token") << "s";
  fs::create_symlink(fs::path(dir.path()) / "secret.token", root / "assets" / "link.js");
  const fs::path canonicalRoot = fs::canonical(root);

  CHECK(console::resolveStaticPath(canonicalRoot, "/") == canonicalRoot / "index.html");
  CHECK(console::resolveStaticPath(canonicalRoot, "/index.html") == canonicalRoot / "index.html");
  CHECK(console::resolveStaticPath(canonicalRoot, "/assets/app-1.js") == canonicalRoot / "assets" / "app-1.js");
  const std::vector<std::string> evils = {"/../secret.token",
                                          "/assets/../../secret.token",
                                          "/assets/link.js",
                                          "//etc/passwd",
                                          "/assets/",
                                          "/assets",
                                          "/./index.html",
                                          "/missing.js",
                                          "relative",
                                          "",
                                          std::string("/index.html\0x", 13),
                                          "/..\\secret.token"};
  for (const auto& evil : evils) {
    CHECK_MESSAGE(!console::resolveStaticPath(canonicalRoot, evil), evil);
  }
  CHECK(console::contentTypeFor("a/b.js") == "text/javascript; charset=utf-8");
  CHECK(console::contentTypeFor("a/b.css") == "text/css; charset=utf-8");
  CHECK(console::contentTypeFor("index.html") == "text/html; charset=utf-8");
  CHECK(console::contentTypeFor("x.exe") == "application/octet-stream");
  CHECK(console::cacheControlFor("/assets/app-1.js").find("immutable") != std::string::npos);
  CHECK(console::cacheControlFor("/") == "no-cache");
}

namespace {

struct ConsoleApi {
  ConsoleApi() {
    store = store::openEventStore("sqlite:" + dir.path() + "/collector.db").value();
    server::ApiConfig config{common::sha256Hex("enroll"), common::sha256Hex("admin-token"), 1 << 20, nullptr};
    config.sessionLimits = {60'000, 3'600'000};
    api = std::make_unique<server::CollectorApi>(*store, metrics, clock, config);
    REQUIRE(store->addConsoleUser({"alice", "administrator", console::hashPassword("alice password", kFast).value(), 0})
                .value());
    REQUIRE(store->addConsoleUser({"victor", "viewer", console::hashPassword("victor password", kFast).value(), 0})
                .value());
  }

  server::ApiResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                           const std::string& cookie = "", const std::string& csrf = "",
                           const std::string& address = "10.0.0.1") {
    server::ApiRequest request;
    request.method = method;
    const auto q = path.find('?');
    request.path = path.substr(0, q);
    if (q != std::string::npos) {
      const std::string query = path.substr(q + 1);
      request.query.emplace_back(query.substr(0, query.find('=')), query.substr(query.find('=') + 1));
    }
    request.cookie = cookie;
    request.csrfToken = csrf;
    request.clientAddress = address;
    request.contentType = "application/json";
    request.contentLength = static_cast<std::int64_t>(body.size());
    request.readBody = [body](std::size_t) { return server::BodyRead{body, false, false}; };
    return api->handle(request);
  }

  struct Login {
    int status = 0;
    std::string cookie;
    std::string csrf;
  };
  Login login(const std::string& user, const std::string& password, const std::string& address = "10.0.0.1") {
    auto answer = call("POST", "/api/v1/session", R"({"user":")" + user + R"(","password":")" + password + R"("})", "",
                       "", address);
    Login result{answer.status, "", ""};
    for (const auto& [name, value] : answer.headers) {
      if (name == "Set-Cookie") result.cookie = value.substr(0, value.find(';'));
    }
    const auto at = answer.body.find("\"csrf_token\":\"");
    if (at != std::string::npos) result.csrf = answer.body.substr(at + 14, 64);
    return result;
  }

  test::TempDir dir;
  common::FakeClock clock{1'800'000'000'000};
  server::Metrics metrics;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<server::CollectorApi> api;
};

constexpr char kPolicy[] = R"({"schema_version":1,"version":1,"name":"x","group":"office"})";

}  // namespace

TEST_CASE("console API: sign in, read with the cookie, change only with the CSRF token, sign out") {
  ConsoleApi t;
  CHECK(t.call("GET", "/api/v1/agents").status == 401);
  auto session = t.login("alice", "alice password");
  REQUIRE(session.status == 200);
  REQUIRE(session.csrf.size() == 64);
  CHECK(t.call("GET", "/api/v1/agents", "", session.cookie).status == 200);
  CHECK(t.call("GET", "/api/v1/session", "", session.cookie).status == 200);
  // No key is configured, so an authorized push ends at 503; what matters is who gets that far.
  CHECK(t.call("POST", "/api/v1/policies?group=office", kPolicy, session.cookie).status == 403);
  CHECK(t.call("POST", "/api/v1/policies?group=office", kPolicy, session.cookie, std::string(64, 'a')).status == 403);
  CHECK(t.call("POST", "/api/v1/policies?group=office", kPolicy, session.cookie, session.csrf).status == 503);
  CHECK(t.call("DELETE", "/api/v1/session", "", session.cookie).status == 403);  // logout needs the token too
  CHECK(t.call("DELETE", "/api/v1/session", "", session.cookie, session.csrf).status == 200);
  CHECK(t.call("GET", "/api/v1/agents", "", session.cookie).status == 401);
  CHECK(t.call("GET", "/api/v1/agents", "", "__Host-mamori_session=" + std::string(64, '0')).status == 401);
}

TEST_CASE("console API: a viewer reads and validates but may not change anything") {
  ConsoleApi t;
  auto viewer = t.login("victor", "victor password");
  REQUIRE(viewer.status == 200);
  CHECK(t.call("GET", "/api/v1/events", "", viewer.cookie).status == 200);
  auto validated = t.call("POST", "/api/v1/policies/validate?group=office", kPolicy, viewer.cookie, viewer.csrf);
  CHECK(validated.status == 200);
  CHECK(validated.body.find("\"valid\":true") != std::string::npos);
  CHECK(t.call("POST", "/api/v1/policies?group=office", kPolicy, viewer.cookie, viewer.csrf).status == 403);
  CHECK(t.call("POST", "/api/v1/exceptions", R"({"challenge":"x","minutes":5})", viewer.cookie, viewer.csrf).status ==
        403);
  CHECK(t.call("PUT", "/api/v1/agents/x/group", R"({"group":"a"})", viewer.cookie, viewer.csrf).status == 403);
}

TEST_CASE("console API: validation reports every error with its JSON pointer") {
  ConsoleApi t;
  auto admin = t.login("alice", "alice password");
  auto answer = t.call("POST", "/api/v1/policies/validate?group=lab",
                       R"({"schema_version":1,"version":0,"name":"x","grup":"office"})", admin.cookie, admin.csrf);
  CHECK(answer.status == 200);
  CHECK(answer.body.find("\"valid\":false") != std::string::npos);
  CHECK(answer.body.find("\"where\":\"/version\"") != std::string::npos);
  CHECK(answer.body.find("\"where\":\"/grup\"") != std::string::npos);
}

TEST_CASE("console API: sessions end after the idle and the absolute limit") {
  ConsoleApi t;
  auto session = t.login("alice", "alice password");
  t.clock.advance(59'000);
  CHECK(t.call("GET", "/api/v1/agents", "", session.cookie).status == 200);  // refreshes last_seen
  t.clock.advance(59'000);
  CHECK(t.call("GET", "/api/v1/agents", "", session.cookie).status == 200);
  t.clock.advance(60'001);
  CHECK(t.call("GET", "/api/v1/agents", "", session.cookie).status == 401);

  auto busy = t.login("alice", "alice password");
  for (int i = 0; i < 80; ++i) {
    t.clock.advance(50'000);
    if (t.call("GET", "/api/v1/agents", "", busy.cookie).status != 200) {
      CHECK(i * 50'000 >= 3'550'000);  // only the absolute limit ended it
      return;
    }
  }
  FAIL("an active session outlived its absolute limit");
}

TEST_CASE("console API: repeated failures lock the account, and many names from one address lock the address") {
  ConsoleApi t;
  for (int i = 0; i < 5; ++i) CHECK(t.login("alice", "wrong").status == 401);
  CHECK(t.login("alice", "alice password").status == 429);    // right password, still locked
  CHECK(t.login("victor", "victor password").status == 200);  // other accounts are not locked
  t.clock.advance(15 * 60'000 + 1);
  CHECK(t.login("alice", "alice password").status == 200);

  // One address guessing across many names is stopped too.
  for (int i = 0; i < 20; ++i) CHECK(t.login("nobody" + std::to_string(i), "x", "10.9.9.9").status == 401);
  CHECK(t.login("victor", "victor password", "10.9.9.9").status == 429);
  CHECK(t.login("victor", "victor password", "10.9.9.8").status == 200);
  CHECK(t.login("nobody", "x").status == 401);  // an unknown user is "wrong user name or password" like the rest
}

TEST_CASE("console API: the console's files come with the security headers; without a console dir, 404") {
  ConsoleApi t;
  auto answer = t.call("GET", "/index.html");
  CHECK(answer.status == 404);
  bool csp = false;
  for (const auto& [name, value] : answer.headers) csp = csp || name == "Content-Security-Policy";
  CHECK(csp);
  CHECK(t.call("POST", "/index.html").status == 405);
  CHECK(t.call("GET", "/api/v1/nothing").status == 404);
}

TEST_CASE("console API: an administrator sets an incident's status and comment; a viewer reads them") {
  ConsoleApi t;
  const std::string id = "01a2070b-5b29-7162-8dcc-b9dd5bc7a019";
  auto admin = t.login("alice", "alice password");
  auto viewer = t.login("victor", "victor password");
  const std::string body = R"({"status":"acknowledged","comment":"<b>checking</b> with the user"})";
  CHECK(t.call("PUT", "/api/v1/incidents/" + id, body, admin.cookie).status == 403);  // no CSRF token
  CHECK(t.call("PUT", "/api/v1/incidents/" + id, body, viewer.cookie, viewer.csrf).status == 403);
  CHECK(t.call("PUT", "/api/v1/incidents/not-a-uuid", body, admin.cookie, admin.csrf).status == 400);
  CHECK(t.call("PUT", "/api/v1/incidents/" + id, R"({"status":"solved"})", admin.cookie, admin.csrf).status == 400);
  CHECK(t.call("PUT", "/api/v1/incidents/" + id, R"({"status":"open","x":1})", admin.cookie, admin.csrf).status == 400);
  CHECK(t.call("PUT", "/api/v1/incidents/" + id, body, admin.cookie, admin.csrf).status == 200);
  auto list = t.call("GET", "/api/v1/incidents", "", viewer.cookie);
  CHECK(list.status == 200);
  CHECK(list.body.find("\"status\":\"acknowledged\"") != std::string::npos);
  CHECK(list.body.find("\"updated_by\":\"alice\"") != std::string::npos);
  CHECK(list.body.find("<b>checking</b> with the user") != std::string::npos);
  CHECK(t.call("PUT", "/api/v1/incidents/" + id, R"({"status":"closed"})", admin.cookie, admin.csrf).status == 200);
  CHECK(t.call("GET", "/api/v1/incidents", "", viewer.cookie).body.find("\"status\":\"closed\"") != std::string::npos);
  CHECK(t.call("GET", "/api/v1/incidents").status == 401);
}

TEST_CASE("console API: a long sign-in name is cut between characters for the audit trail and the lockout") {
  ConsoleApi t;
  // 62 ASCII bytes, then 日本 (three bytes each): byte 64 falls inside 日.
  const std::string name = std::string(62, 'a') + "\xE6\x97\xA5\xE6\x9C\xAC";
  const auto answer = t.call("POST", "/api/v1/session", R"({"user":")" + name + R"(","password":"wrong"})");
  CHECK(answer.status == 401);
  CHECK(answer.audit.actor == std::string(62, 'a'));
  CHECK(answer.audit.target == "user:" + std::string(62, 'a'));
  CHECK(common::isValidUtf8(answer.audit.actor));
  // The failures are counted under that key: the name is locked after the limit like any other.
  for (int i = 0; i < 4; ++i) CHECK(t.login(name, "wrong").status == 401);
  CHECK(t.login(name, "wrong").status == 429);
}
