// mamori-collector: see collectorUsage() (--help) and docs/api.md.

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "collector/app/CollectorMain.h"
#include "collector/app/CollectorOptions.h"
#include "collector/app/UserCommand.h"
#include "collector/server/CollectorApi.h"
#include "common/CommandLine.h"
#include "common/JsonText.h"
#include "common/Log.h"

namespace {

// `mamori-collector routes`: the API's route table as JSON lines (method, path, access, audit
// action or why none), from the table the server dispatches with; tests walk it.
int printRoutes() {
  namespace json = mamori::common::json;
  for (const auto& route : mamori::collector::server::apiRoutes()) {
    auto line = json::object();
    json::set(line, "method", json::string(route.method));
    json::set(line, "path", json::string(route.pattern));
    json::set(line, "access", json::string(mamori::collector::server::accessName(route.access)));
    json::set(line, "audit_action", json::string(route.auditAction != nullptr ? route.auditAction : ""));
    json::set(line, "not_audited", json::string(route.notAudited != nullptr ? route.notAudited : ""));
    std::printf("%s\n", json::write(line, json::Style::kCanonical).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mamori::collector::app;
  mamori::common::log::setProgramName("mamori-collector");
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "user") {
    try {
      return runUserCommand(std::vector<std::string>(args.begin() + 1, args.end()), std::cin);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mamori-collector: user: unexpected failure: %s\n", e.what());
      return 1;
    }
  }
  if (args.size() == 1 && args[0] == "routes") return printRoutes();
  auto options = parseCollectorOptions(args);
  if (!options) {
    return mamori::common::usageError("mamori-collector", options.error().describe());
  }
  if (options.value().help) {
    std::fputs(collectorUsage().c_str(), stdout);
    return 0;
  }
  try {
    return runCollector(options.value());
  } catch (const std::exception& e) {  // a bug, not an expected failure: say so and exit 1
    mamori::common::log::error(std::string("unexpected failure: ") + e.what());
    return 1;
  }
}
