#include "agent/contentscan/HomePaths.h"

#include <pwd.h>

namespace mamori::agent::contentscan {

std::vector<std::string> homeDirectories() {
  std::vector<std::string> homes;
  ::setpwent();                                 // NOLINT(concurrency-mt-unsafe)
  while (const passwd* entry = ::getpwent()) {  // NOLINT(concurrency-mt-unsafe)
    if (entry->pw_dir == nullptr || entry->pw_uid < 1000 || entry->pw_uid == 65534) continue;
    homes.emplace_back(entry->pw_dir);
  }
  ::endpwent();  // NOLINT(concurrency-mt-unsafe)
  return homes;
}

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
