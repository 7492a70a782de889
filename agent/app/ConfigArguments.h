#pragma once
// --config FILE: the options written in FILE (agent/guard/ConfigFile) come first, the command line
// after them, so a flag given by hand wins over the packaged /etc/mamori/agent.conf.

#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::agent {

struct ExpandedArguments {
  std::vector<std::string> args;  // without --config
  std::string configFile;         // "" when none was given
};

common::Result<ExpandedArguments> expandConfigFile(const std::vector<std::string>& args);

}  // namespace mamori::agent
