#pragma once
// CD/DVD/BD drives on any bus (SATA, SCSI, USB): burning is a stream of SCSI commands on the drive's
// device nodes (/dev/srN, /dev/sgN, /dev/bsg/H:C:T:L), which the kernel accepts from unprivileged
// processes only on a descriptor opened for writing. So the drive's device numbers get rules in a
// DeviceAccessGate (the kernel decides each open itself): read_only refuses opens for writing (reading
// a disc works; burning programs cannot open the drive), block refuses every open, allow lets all
// through. Every sr device (block major 11 is only ever optical drives) follows the channel's own
// action from the moment it exists; a drive's sg and bsg nodes and allow-listed drives get their rule
// when the agent sees them (at start, on their uevents). A read-only drive's srN also gets BLKROSET.
// Refused opens are reported from the gate's queue, drained by the composition root, which hands this
// channel the ones on its numbers (docs/decisions/0037). The gate is the agent's one, shared with
// PCIe storage (docs/decisions/0046): this channel touches only the numbers of optical drives. The
// verdict is policy::evaluateOpticalDrive. A USB burner is first a USB device: the USB channel decides
// at its plug, before any SCSI type is known, whether it attaches at all (blocked: no drive, no node);
// once allowed, its drive is decided here like any other, and at most read_only when the USB channel
// allowed the device read-only (usbReadOnly: burning is a write).

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "agent/core/EventSink.h"
#include "agent/device/ChannelReporter.h"
#include "agent/device/ChannelVerdict.h"
#include "agent/device/DeviceChannel.h"
#include "agent/device/RefusedOpens.h"
#include "drivers/include/OpticalDrives.h"
#include "drivers/include/Uevent.h"
#include "drivers/include/UsbBus.h"
#include "policy/OpticalEvaluator.h"

namespace mamori::agent::device {

// Block major 11: SCSI CD-ROM (sr), by the kernel's fixed assignment.
inline constexpr std::uint32_t kScsiCdromMajor = 11;

class OpticalControl final : public DeviceChannel {
 public:
  // Whether a sysfs path (a drive's SCSI device) lies below a USB device the USB channel allowed
  // read-only.
  using UsbReadOnly = std::function<bool(const std::string& devpath)>;
  // gate: the agent's one device gate (it must outlive the control); usbReadOnly: none = no USB channel.
  OpticalControl(drivers::OpticalDrives& drives, drivers::BlockDevices& blocks, drivers::DeviceAccessGate& gate,
                 EventSink& sink, UsbReadOnly usbReadOnly = {});

  // The gate is started the first time the mode is not off; every drive is decided (and reported)
  // again.
  void apply(const policy::DeviceControlSettings& settings) override;
  // block / scsi_generic / bsg add or remove of a drive's node -> drives looked at again.
  void handleUevent(const drivers::Uevent& event) override;
  void setExceptions(ChannelExceptions* exceptions) override { reporter_.setExceptions(exceptions); }
  // A grant names a drive by vendor and model: every such drive is decided (and reported) again.
  void decideAgain(const DeviceIdentity& device) override;
  // uevents were lost: the drives are looked at again.
  void uneventsLost() override;
  // The USB devices were decided again (a policy applied): which are read-only may have changed.
  void usbDecided() override;
  // Reports opens the gate refused (device.open_refused): every refusal not on PCIe storage's majors.
  void reportRefused(const std::vector<drivers::RefusedOpen>& refused);

 private:
  void refresh(bool atStart);
  void decide(const drivers::OpticalDrive& drive, bool atStart);
  void setRule(const drivers::OpticalDrive* drive, const drivers::DeviceNumber& number, drivers::DeviceAccess access);
  void failed(const drivers::OpticalDrive* drive, const std::string& what);

  drivers::OpticalDrives& drives_;
  drivers::BlockDevices& blocks_;
  drivers::DeviceAccessGate& sharedGate_;
  EventSink& sink_;
  ChannelReporter reporter_;
  UsbReadOnly usbReadOnly_;
  policy::DeviceControlSettings settings_;
  bool applied_ = false;
  bool gateFailed_ = false;
  drivers::DeviceAccessGate* gate_ = nullptr;  // once started
  struct Known {
    drivers::OpticalDrive drive;
    ChannelVerdict verdict;
    std::string reported;   // what was last reported for it: nothing new, no event
    std::string challenge;  // offered for it while refused (exceptions on)
  };
  std::map<std::string, Known> known_;                   // SCSI address -> the drive
  std::map<drivers::DeviceNumber, std::string> owners_;  // a node's number -> its drive
  RefusedOpens refusals_;
};

// The fields of every optical drive event (docs/events.md, "Optical drives").
Poco::JSON::Object::Ptr opticalDetails(const drivers::OpticalDrive& drive);
// A drive as temporary exceptions name it: vendor and model (SCSI has no ids; a short hash of them
// stands in the challenge), its SCSI address as the id.
ChannelDevice opticalIdentity(const drivers::OpticalDrive& drive);

}  // namespace mamori::agent::device
