#pragma once
// The device nodes of storage by their numbers, for the rules PCIe storage puts in the device gate
// (docs/decisions/0046, 0055): which majors the kernel registered under a name (/proc/devices: block
// "blkext" is every NVMe namespace and partitions beyond a disk's first minors; char "nvme" and
// "nvme-generic" the controllers' and namespaces' passthrough nodes; char "sg" and "bsg" every SCSI
// device's passthrough nodes), every node on those majors, the PCI functions it sits below and, for a
// SCSI device's nodes (sd disks and partitions, sg, bsg), the SCSI device with its INQUIRY strings,
// unit serial and whether it sits below USB (/sys/dev/block, /sys/dev/char), and the partition re-read of a disk
// whose partition scan the gate refused, and a "change" uevent so udev probes a node again. Reads facts
// and carries out; it never decides.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"
#include "drivers/include/DeviceAccessGate.h"

namespace mamori::drivers {

struct StorageNode {
  DeviceNumber number;
  std::string name;     // kernel name: "nvme1n1", "nvme1n1p1", "nvme1", "ng1n1"
  std::string devpath;  // "/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/nvme/nvme1/nvme1n1"
  bool disk = false;    // a whole block device, whose partitions can be re-read
  // The PCI functions it depends on ("0000:02:00.0"): the nearest one above it, or for a multipath
  // NVMe disk (below /devices/virtual/nvme-subsystem) the functions of its subsystem's controllers.
  // Empty for nodes of no PCI device (a loop device's partitions).
  std::vector<std::string> pciFunctions;
  // False when it should sit below PCI functions that could not be found (a multipath disk whose
  // controllers are not listed yet): then nothing is known to allow it.
  bool resolved = true;
  // Below a USB device (a stick, a USB disk or card reader): the USB channel decided it.
  bool usb = false;
  // The SCSI device it belongs to ("2:0:0:0"; its disk, partitions, sg and bsg nodes share it), ""
  // when none; its peripheral type (0 disk, 1 tape, 5 optical drive, 7 optical memory, 14 RBC; -1
  // unknown) and what identifies it: INQUIRY vendor and model (blanks trimmed) and the unit serial
  // number (VPD page 0x80, "" when it has none).
  std::string scsiDevice;
  std::string scsiDevpath;
  int scsiType = -1;
  std::string vendor;
  std::string model;
  std::string serial;
};

class StorageNodes {
 public:
  virtual ~StorageNodes() = default;
  // The majors registered now: name -> major, block or character ones.
  virtual common::Result<std::map<std::string, std::uint32_t>> majors(bool block) const = 0;
  // Every node present now on these majors (their minor is ignored).
  virtual common::Result<std::vector<StorageNode>> nodesOn(const std::vector<DeviceNumber>& majors) const = 0;
  // The node of this number now; an error when there is none.
  virtual common::Result<StorageNode> node(const DeviceNumber& number) const = 0;
  // BLKRRPART on the disk: the kernel reads its partition table again (its partitions appear).
  virtual common::Status rereadPartitions(const std::string& disk) = 0;
  // Asks the kernel to send the node's uevent again ("change"): udev probes it (file system, labels,
  // desktop mounts) now that it may be opened; its first probe may have come before the allow rule.
  virtual common::Status announce(const StorageNode& node) = 0;
};

}  // namespace mamori::drivers
