#pragma once
// One kernel uevent (NETLINK_KOBJECT_UEVENT): "add@/devices/..." followed by KEY=VALUE pairs.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

struct Uevent {
  std::string action;     // add, remove, change, bind, unbind, ...
  std::string devpath;    // "/devices/pci0000:00/0000:00:04.0/usb2/2-1"
  std::string subsystem;  // usb, block, scsi, ...
  std::string devtype;    // usb_device, usb_interface, disk, partition; may be empty
  std::string devname;    // "sda", "bus/usb/002/002"; may be empty
  std::uint64_t seqnum = 0;
  std::map<std::string, std::string> vars;  // every KEY=VALUE, the ones above included

  // The last path element of devpath: the kernel name ("2-1", "sda1").
  std::string kernelName() const {
    const auto slash = devpath.rfind('/');
    return slash == std::string::npos ? devpath : devpath.substr(slash + 1);
  }
};

struct UeventBatch {
  std::vector<Uevent> events;
  // The socket buffer overran and uevents were lost: whoever listens must rescan.
  bool overflowed = false;
};

class UeventSource {
 public:
  virtual ~UeventSource() = default;
  // A descriptor that becomes readable when uevents are pending (for the event loop).
  virtual int fd() const = 0;
  // Every uevent pending now, without blocking. Malformed datagrams are skipped and logged.
  virtual common::Result<UeventBatch> readPending() = 0;
};

}  // namespace mamori::drivers
