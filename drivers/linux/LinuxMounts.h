#pragma once
// The mount table of this process's mount namespace with each block device's removable flag from sysfs.

#include <string>
#include <vector>

#include "common/Result.h"
#include "drivers/include/FileActivity.h"

namespace mamori::drivers::linux_os {

// Reads <procRoot>/self/mountinfo; removableDevice is set from <sysRoot>/dev/block/MAJ:MIN: the
// device (or, for a partition, its disk) has removable=1, or it sits below a USB controller (USB disks
// often say removable=0). Loop devices, NVMe, SATA disks are not removable.
common::Result<std::vector<MountEntry>> readMountTable(const std::string& procRoot = "/proc",
                                                       const std::string& sysRoot = "/sys");

bool blockDeviceIsRemovable(const std::string& sysRoot, unsigned major, unsigned minor);

}  // namespace mamori::drivers::linux_os
