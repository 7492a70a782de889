#include "drivers/linux/PasswdHomeDirectories.h"

#include <pwd.h>

namespace mamori::drivers::linux_os {

std::vector<std::string> PasswdHomeDirectories::list() const {
  std::vector<std::string> homes;
  ::setpwent();                                 // NOLINT(concurrency-mt-unsafe)
  while (const passwd* entry = ::getpwent()) {  // NOLINT(concurrency-mt-unsafe)
    if (entry->pw_dir == nullptr || entry->pw_uid < 1000 || entry->pw_uid == 65534) continue;
    homes.emplace_back(entry->pw_dir);
  }
  ::endpwent();  // NOLINT(concurrency-mt-unsafe)
  return homes;
}

}  // namespace mamori::drivers::linux_os
