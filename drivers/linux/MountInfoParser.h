#pragma once
// /proc/self/mountinfo, parsed. Pure (text in, entries out) so it is tested with strings and fuzzed
// (tests/fuzz/fuzz_mountinfo.cpp); the reading and the sysfs removable flag are in LinuxMounts. Which
// mount holds a path is drivers/include's mountHolding (FileActivity.h), which the agent uses too.

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "drivers/include/FileActivity.h"

namespace mamori::drivers::linux_os {

// One entry per line, in the file's order (a later mount on the same point hides an earlier one).
// A malformed line is an error naming its number; nothing is returned then.
common::Result<std::vector<MountEntry>> parseMountInfo(std::string_view text);

// The mount points a watcher has to mark so that every file below `roots` is seen: the mount holding
// each root (the root itself when no listed mount holds it, as in a chroot) and every mount below a
// root. Sorted, without duplicates.
std::vector<std::string> mountPointsCovering(const std::vector<MountEntry>& mounts,
                                             const std::vector<std::string>& roots);

}  // namespace mamori::drivers::linux_os
