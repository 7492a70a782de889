#pragma once
// CD/DVD/BD drives on any bus (SATA/AHCI, SCSI, USB): SCSI devices of type 5 (TYPE_ROM). Burning is
// done with SCSI commands (SG_IO) on the drive's device nodes, /dev/srN, its /dev/sgN and its
// /dev/bsg/H:C:T:L, not with file writes; the kernel lets a process without CAP_SYS_RAWIO send the
// write commands (WRITE, BLANK, CLOSE TRACK, SEND CUE SHEET, ...) only through a descriptor opened for
// writing. So the drive is controlled by refusing opens of those nodes (docs/decisions/0037).
// Reads facts and carries out what it is told; it never decides which drive is allowed.

#include <string>
#include <vector>

#include "common/Result.h"
#include "drivers/include/DeviceAccessGate.h"

namespace mamori::drivers {

struct OpticalDrive {
  std::string name;      // the SCSI address, "1:0:0:0"
  std::string devpath;   // "/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0"
  std::string vendor;    // INQUIRY vendor, blanks trimmed: "QEMU"
  std::string model;     // INQUIRY product, blanks trimmed: "QEMU DVD-ROM"
  std::string revision;  // INQUIRY revision: "2.5+"
  std::string block;     // its block device, "sr0"; empty when sr is not bound
  // Its device nodes: "/dev/sr0", "/dev/sg1", "/dev/bsg/1:0:0:0" (whichever exist in sysfs), and
  // their numbers in the same order.
  std::vector<std::string> nodes;
  std::vector<DeviceNumber> numbers;
};

class OpticalDrives {
 public:
  virtual ~OpticalDrives() = default;
  // Every SCSI device of type 5 the kernel shows now, in address order.
  virtual common::Result<std::vector<OpticalDrive>> drives() const = 0;
};

}  // namespace mamori::drivers
