#include "agent/contentscan/HomePaths.h"

namespace mamori::agent::contentscan {

std::vector<std::string> expandHomePaths(const std::vector<std::string>& paths, const std::vector<std::string>& homes) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    if (path.rfind("~/", 0) == 0) {
      for (const auto& home : homes) out.push_back(home + path.substr(1));
    } else {
      out.push_back(path);
    }
  }
  return out;
}

}  // namespace mamori::agent::contentscan
