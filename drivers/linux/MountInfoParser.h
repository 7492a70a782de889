#pragma once
// /proc/self/mountinfo, parsed. Pure (text in, entries out) so it is tested with strings and fuzzed
// (tests/fuzz/fuzz_mountinfo.cpp); the reading and the sysfs removable flag are in LinuxMounts.

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "drivers/include/FileActivity.h"

namespace mamori::drivers::linux_os {

// One entry per line, in the file's order (a later mount on the same point hides an earlier one).
// A malformed line is an error naming its number; nothing is returned then.
common::Result<std::vector<MountEntry>> parseMountInfo(std::string_view text);

// True when `path` is `root` or lies below it (component-wise: "/a/bc" is not under "/a/b").
bool pathIsUnder(std::string_view path, std::string_view root);

// The mount that holds `path` (longest mount point above it, the last one when stacked); null when
// none does (relative path, empty table).
const MountEntry* mountHolding(const std::vector<MountEntry>& mounts, std::string_view path);

// The mount points a watcher has to mark so that every file below `roots` is seen: the mount holding
// each root (the root itself when no listed mount holds it, as in a chroot) and every mount below a
// root. Sorted, without duplicates.
std::vector<std::string> mountPointsCovering(const std::vector<MountEntry>& mounts,
                                             const std::vector<std::string>& roots);

}  // namespace mamori::drivers::linux_os
