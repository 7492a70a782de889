#include "drivers/linux/DirectoryScopeCache.h"

#include <algorithm>

#include "drivers/linux/MountInfoParser.h"

namespace mamori::drivers::linux_os {

using common::pathIsUnder;

const DirectoryScopeCache::Entry* DirectoryScopeCache::find(const std::string& key) const {
  const auto found = entries_.find(key);
  return found == entries_.end() ? nullptr : &found->second;
}

const DirectoryScopeCache::Entry& DirectoryScopeCache::add(const std::string& key, std::string path,
                                                           const std::vector<std::string>& roots) {
  if (entries_.size() >= limit_) entries_.clear();
  Entry entry{classify(path, roots), std::move(path)};
  return entries_.insert_or_assign(key, std::move(entry)).first->second;
}

DirectoryScopeCache::Scope DirectoryScopeCache::classify(std::string_view directory,
                                                         const std::vector<std::string>& roots) {
  // Only absolute paths are judged: a directory the kernel could not connect to its mount gives
  // something else, and nothing in it can be named under a root.
  if (directory.empty() || directory.front() != '/') return Scope::kOutside;
  if (std::any_of(roots.begin(), roots.end(), [&](const std::string& root) { return pathIsUnder(directory, root); })) {
    return Scope::kInside;
  }
  if (std::any_of(roots.begin(), roots.end(), [&](const std::string& root) { return pathIsUnder(root, directory); })) {
    return Scope::kAbove;
  }
  return Scope::kOutside;
}

bool DirectoryScopeCache::watches(const Entry& entry, std::string_view name, const std::vector<std::string>& roots) {
  switch (entry.scope) {
    case Scope::kInside: return true;
    case Scope::kOutside: return false;
    case Scope::kAbove: break;
  }
  const std::string path = join(entry.path, name);
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& root) { return pathIsUnder(path, root); });
}

std::string DirectoryScopeCache::join(std::string_view directory, std::string_view name) {
  std::string path(directory);
  if (path != "/") path += '/';
  path += name;
  return path;
}

}  // namespace mamori::drivers::linux_os
