#include "agent/app/ConfigArguments.h"

#include <cstddef>

#include "agent/guard/ConfigFile.h"
#include "common/Files.h"

namespace mamori::agent {

common::Result<ExpandedArguments> expandConfigFile(const std::vector<std::string>& args) {
  ExpandedArguments out;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return common::makeError("expects a value", "--config");
      out.configFile = args[++i];
    } else if (args[i].rfind("--config=", 0) == 0) {
      out.configFile = args[i].substr(9);
    } else {
      rest.push_back(args[i]);
    }
  }
  if (!out.configFile.empty()) {
    auto text = common::readSmallFile(out.configFile, std::size_t{64} * 1024);
    if (!text) return common::makeError(text.error().describe(), "--config");
    auto fromFile = guard::configFileArguments(text.value(), out.configFile);
    if (!fromFile) return fromFile.error();
    out.args = std::move(fromFile).value();
  }
  out.args.insert(out.args.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace mamori::agent
