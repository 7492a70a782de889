#pragma once
// DeviceAccessGate with a cgroup BPF device program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to a
// cgroup v2 directory, the root by default, with BPF_F_ALLOW_MULTI: the kernel runs it for every
// open and mknod of a device node by any process in that cgroup and below (systemd's own device
// programs of services still run beside it), root included, and for block devices opened by mount.
// The program looks the device number up in a hash map of denied access bits (an entry for one
// minor first, then one for the whole major) and, when it refuses, pushes who asked (pid, uid,
// comm, device, access) to a queue map the agent drains. The maps are the agent's to change at any
// time; nothing waits for the agent (docs/decisions/0037).
//
// The program stays attached while the gate lives. A gate started later (the agent restarted after
// a crash) first detaches the programs an earlier one left (found by their name), so rules never
// pile up; a clean stop detaches it.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"
#include "common/UniqueFd.h"
#include "drivers/include/DeviceAccessGate.h"

namespace mamori::drivers::linux_os {

class CgroupDeviceGate final : public DeviceAccessGate {
 public:
  // The program's name: how a later gate recognises one an earlier agent left attached.
  static constexpr const char* kProgramName = "mamori_devices";

  // cgroupDir: a cgroup v2 directory; empty = the root of the cgroup v2 hierarchy (/sys/fs/cgroup,
  // or /sys/fs/cgroup/unified on hybrid systems). Nothing is loaded before start().
  explicit CgroupDeviceGate(std::string cgroupDir = {}) : cgroupDir_(std::move(cgroupDir)) {}
  // A gate made and started at once.
  static common::Result<std::unique_ptr<CgroupDeviceGate>> makeStarted(std::string cgroupDir = {});
  ~CgroupDeviceGate() override;

  CgroupDeviceGate(const CgroupDeviceGate&) = delete;
  CgroupDeviceGate& operator=(const CgroupDeviceGate&) = delete;

  // Loads the program and attaches it (the first call; later calls answer its outcome). Needs
  // CAP_SYS_ADMIN (CAP_BPF and CAP_NET_ADMIN).
  common::Status start() override;
  common::Status set(const DeviceNumber& device, DeviceAccess access) override;
  common::Status clear(const DeviceNumber& device) override;
  std::vector<RefusedOpen> refused() override;

  // Whether the loaded program reports the refused process (pid, uid, comm): the kernel may not
  // offer those helpers to device programs; then only the device and the access are reported.
  bool reportsProcess() const { return withProcess_; }

 private:
  common::Status attach();

  std::string cgroupDir_;
  std::optional<common::Status> started_;  // the first start()'s outcome
  common::UniqueFd cgroup_;
  common::UniqueFd rules_;
  common::UniqueFd queue_;
  common::UniqueFd program_;
  bool withProcess_ = false;
};

}  // namespace mamori::drivers::linux_os
