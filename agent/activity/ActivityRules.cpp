#include "agent/activity/ActivityRules.h"

#include <algorithm>

#include "common/Glob.h"
#include "drivers/include/FileActivity.h"

namespace mamori::agent::activity {

using common::pathIsUnder;

bool underAny(const std::string& path, const std::vector<std::string>& roots) {
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& root) { return pathIsUnder(path, root); });
}

std::optional<drivers::MountEntry> removableMountOf(const std::string& path,
                                                    const std::vector<drivers::MountEntry>& mounts,
                                                    const std::vector<std::string>& removableMounts) {
  const drivers::MountEntry* mount = drivers::mountHolding(mounts, path);
  if (mount == nullptr) return std::nullopt;
  if (mount->removableDevice || underAny(mount->mountPoint, removableMounts)) return *mount;
  return std::nullopt;
}

std::optional<std::string> cloudFolderOf(const std::string& path, const std::vector<std::string>& folders) {
  for (const auto& folder : folders) {
    if (pathIsUnder(path, folder)) return folder;
  }
  return std::nullopt;
}

}  // namespace mamori::agent::activity
