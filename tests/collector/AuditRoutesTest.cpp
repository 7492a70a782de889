// The route table's audit rule (docs/decisions/0021-admin-audit-trail.md): a route a console user or
// the admin token may call either names its audit action or says why it has none; every route of
// the administrator role and every sign-in has an action. A new route that forgets fails here.

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Event.h"

using mamori::collector::server::Access;

TEST_CASE("every administrative route names its audit action") {
  const auto routes = mamori::collector::server::apiRoutes();
  REQUIRE(routes.size() > 10);
  std::set<std::string> actions;
  for (const auto& route : routes) {
    CAPTURE(std::string(route.method) + " " + route.pattern);
    const bool audited = route.auditAction != nullptr;
    // Exactly one of action and reason.
    CHECK(audited != (route.notAudited != nullptr));
    if (route.access == Access::kAdministrator || route.access == Access::kSignIn) CHECK(audited);
    // Whatever changes something, except an agent's own calls, is audited.
    const bool reads = std::string(route.method) == "GET" || std::string(route.method) == "HEAD";
    if (!reads && route.access != Access::kAgent && std::string(route.pattern) != "/api/v1/policies/validate") {
      CHECK(audited);
    }
    if (audited) {
      // The action becomes the SIEM event type admin.<action>.
      CHECK(mamori::common::isValidEventType(std::string("admin.") + route.auditAction));
      CHECK(actions.insert(route.auditAction).second);  // one route per action
    }
  }
  CHECK(actions.count("audit.read") == 1);
  CHECK(actions.count("policy.push") == 1);
  CHECK(actions.count("session.signin") == 1);
}
