// mamori-collector: see kCollectorUsage (--help) and docs/api.md.

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "collector/app/CollectorMain.h"
#include "collector/app/CollectorOptions.h"
#include "collector/app/UserCommand.h"
#include "common/Log.h"

int main(int argc, char** argv) {
  using namespace mamori::collector::app;
  mamori::common::log::setProgramName("mamori-collector");
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "user") {
    try {
      return runUserCommand(std::vector<std::string>(args.begin() + 1, args.end()), std::cin);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mamori-collector user: unexpected failure: %s\n", e.what());
      return 1;
    }
  }
  auto options = parseCollectorOptions(args);
  if (!options) {
    std::fprintf(stderr, "mamori-collector: %s\nTry mamori-collector --help.\n", options.error().describe().c_str());
    return 2;
  }
  if (options.value().help) {
    std::fputs(kCollectorUsage, stdout);
    return 0;
  }
  try {
    return runCollector(options.value());
  } catch (const std::exception& e) {  // a bug, not an expected failure: say so and exit 1
    mamori::common::log::error(std::string("unexpected failure: ") + e.what());
    return 1;
  }
}
