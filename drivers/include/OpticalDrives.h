#pragma once
// CD/DVD/BD drives on any bus (SATA/AHCI, SCSI, USB): SCSI devices of type 5 (TYPE_ROM). Burning is
// done with SCSI commands (SG_IO) on the drive's device nodes, /dev/srN, its /dev/sgN and its
// /dev/bsg/H:C:T:L, not with file writes; the kernel lets a process without CAP_SYS_RAWIO send the
// write commands (WRITE, BLANK, CLOSE TRACK, SEND CUE SHEET, ...) only through a descriptor opened for
// writing. So the drive is controlled by refusing opens of those nodes (docs/decisions/0037).
// Reads facts and carries out what it is told; it never decides which drive is allowed.

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

// A device number as the kernel's device cgroup checks it: block or character, major, minor.
struct DeviceNumber {
  bool block = false;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  bool operator<(const DeviceNumber& other) const {
    return std::tie(block, major, minor) < std::tie(other.block, other.major, other.minor);
  }
  bool operator==(const DeviceNumber&) const = default;
};

// Every minor of a major (e.g. every sr device: block major 11 is only ever optical drives).
inline constexpr std::uint32_t kAnyMinor = 0xffffffffU;

// What opening (and mknod of) a device number is allowed to do.
enum class DeviceAccess { kAll, kReadOnly, kNone };

// An open the gate refused, as the kernel reported it to the gate.
struct RefusedOpen {
  DeviceNumber device;
  bool wantedWrite = false;  // the open asked for writing (O_WRONLY, O_RDWR) or a mount read-write
  bool wantedRead = false;
  std::int64_t pid = -1;  // the process (thread group); -1 when the gate could not tell
  std::int64_t uid = -1;
  std::string command;  // its comm ("wodim")
};

// Decides every open of device nodes by their number, for every process, in the kernel (decision
// 0037: a cgroup BPF device program on the root cgroup): nothing waits for the agent, and another
// node made with mknod for the same number is refused alike.
class DeviceAccessGate {
 public:
  virtual ~DeviceAccessGate() = default;
  // From now on: access to this device number (minor kAnyMinor: to every minor of the major without
  // a rule of its own; a minor's rule, kAll included, wins over its major's).
  virtual common::Status set(const DeviceNumber& device, DeviceAccess access) = 0;
  // Removes the rule of this number (the major's rule, if any, applies again).
  virtual common::Status clear(const DeviceNumber& device) = 0;
  // The opens refused since the last call (bounded: the oldest are dropped when many pile up).
  virtual std::vector<RefusedOpen> refused() = 0;
};

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
