#pragma once
// The kernel's check of every open of a device node, by the node's number (decisions 0037, 0046): one
// per agent, made by the composition root and shared by the channels that put rules in it (optical
// drives: block major 11 and their sg/bsg minors; PCIe storage: blkext and the nvme char majors;
// hot-plugged disks: the sd majors and the other SCSI devices' sg/bsg minors, decision 0055). Each
// channel sets and clears only its own numbers, so one channel's apply never drops another's rules. Reads and carries
// out; it never decides which device is allowed.

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
  // Puts the gate in force: the first call loads and attaches it, later calls answer the first
  // call's outcome (the channels that share the gate each call it before their first rule).
  virtual common::Status start() = 0;
  // From now on: access to this device number (minor kAnyMinor: to every minor of the major without
  // a rule of its own; a minor's rule, kAll included, wins over its major's). Fails before start().
  virtual common::Status set(const DeviceNumber& device, DeviceAccess access) = 0;
  // Removes the rule of this number (the major's rule, if any, applies again).
  virtual common::Status clear(const DeviceNumber& device) = 0;
  // The opens refused since the last call (bounded: the oldest are dropped when many pile up); the
  // caller hands each to the channel whose majors it is on.
  virtual std::vector<RefusedOpen> refused() = 0;
};

}  // namespace mamori::drivers
