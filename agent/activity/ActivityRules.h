#pragma once
// Where a file is, as far as the activity monitor cares. Pure: paths and the mount table in.
//
// Removable media (docs/decisions/0010): the file's mount is a removable or USB block device
// (sysfs, set by the driver), or its mount point lies at or below one of the policy's
// removable_mounts (so a loop device in a test, or a stick whose bridge says "fixed", still counts).
// A plain folder /mnt on the root filesystem is not removable: its mount is "/".

#include <optional>
#include <string>
#include <vector>

#include "drivers/include/FileActivity.h"

namespace mamori::agent::activity {

bool underAny(const std::string& path, const std::vector<std::string>& roots);

// The mount holding path when it is removable media, else nullopt.
std::optional<drivers::MountEntry> removableMountOf(const std::string& path,
                                                    const std::vector<drivers::MountEntry>& mounts,
                                                    const std::vector<std::string>& removableMounts);

// The cloud-sync folder holding path, else nullopt.
std::optional<std::string> cloudFolderOf(const std::string& path, const std::vector<std::string>& folders);

}  // namespace mamori::agent::activity
