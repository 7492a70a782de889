#pragma once
// Device control: USB devices are decided when they arrive, before any driver binds. In enforce mode
// every root hub's authorized_default and interface_authorized_default are 0, so a new device gets
// no configuration and no driver until this capability authorizes it (and then only its allowed
// interfaces). Those defaults stay 0 when the agent stops or crashes: storage plugged meanwhile stays
// unusable (fail closed; docs/decisions/0005-usb-authorization.md). The decision itself is
// policy::evaluateUsbDevice; this class only carries it out and reports it.

#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/Capability.h"
#include "agent/core/EventSink.h"
#include "agent/device/ChannelExceptions.h"
#include "agent/device/DeviceChannel.h"
#include "agent/device/DeviceExceptions.h"
#include "common/Event.h"
#include "drivers/include/Uevent.h"
#include "drivers/include/UsbBus.h"
#include "policy/DeviceEvaluator.h"

namespace mamori::agent::device {

// Temporary exceptions (policy/DeviceException.h): a blocked device gets a challenge (in its
// device.blocked event and the log); a response file dropped into inboxDir is checked against the
// policy key pinned at enrollment (keyPath) and opens that device (same vendor, product, serial) for
// the minutes granted, then it is decided by the policy again.
struct ExceptionSettings {
  std::string agentId;
  std::string inboxDir;  // <state>/exceptions, 0700
  std::string keyPath;   // <state>/policy-key.pem
  std::function<std::int64_t()> nowMs;
  // <state>/exceptions.json: the open challenges and the grants in force, kept across a restart
  // (agent/device/ExceptionState); "" = kept in memory only (tests).
  std::string stateFile;
};

// A device this agent blocked and offered a challenge for, as `mamori-agent request --list` shows it.
struct BlockedDevice {
  std::string id;               // its kernel name, the USB port ("1-2"): what `request --device` takes
  std::string name;             // readable: manufacturer, product, vendor:product
  std::string challenge;        // the offline challenge code
  std::string channel = "usb";  // DeviceIdentity::channel: which fields of an event name it (deviceIdField)
};

class DeviceControl final : public QObject, public Capability, private ChannelExceptions {
  Q_OBJECT

 public:
  // Hands an event to the report pipeline (the spool); also logged, so the console shows decisions.

  // uevents may be null (tests drive handleUevent directly).
  DeviceControl(drivers::UsbBus& bus, drivers::BlockDevices& blocks, drivers::UeventSource* uevents, EventSink& sink);
  ~DeviceControl() override;

  std::string name() const override { return "device_control"; }
  // Applies the policy to every channel, starts listening for uevents (first time), sets the root
  // hubs' defaults for the mode and decides every attached USB device again. Without a USB bus the
  // channels beside USB are still controlled (and hear their uevents); USB says so once.
  common::Status apply(const policy::Policy& policy) override;

  // One kernel uevent: usb_device add -> decide; block add below a read-only device -> BLKROSET;
  // every uevent also goes to each channel beside USB.
  void handleUevent(const drivers::Uevent& event);

  // A channel beside USB (card readers, PCIe storage, optical drives, Thunderbolt): decided by the
  // same policy section, fed by the same uevents, with the same temporary exceptions. Not owned.
  void addChannel(DeviceChannel* channel);

  // Turns exceptions on (for USB and every channel) and polls the inbox every second.
  common::Status enableExceptions(ExceptionSettings settings);
  // Reads response files from the inbox (each is removed), grants or refuses them, ends expired
  // grants. Runs from the timer; public for tests.
  void pollExceptions();
  // Hands a response code to the exception path as if it came from the inbox (an approved
  // request, agent/device/ExceptionRequests): the grant, or why it was refused (also reported).
  common::Result<ExceptionGrantInForce> acceptResponse(const std::string& response);
  // The devices blocked now that have a challenge (exceptions enabled), by id.
  std::vector<BlockedDevice> blockedDevices() const;
  // Whether a sysfs path lies below a USB device allowed read-only now (its block devices get
  // BLKROSET; an optical drive in it may read discs but not burn: OpticalControl).
  bool readOnlyBelow(const std::string& devpath) const;

 private:
  // ChannelExceptions, for the channels beside USB.
  std::optional<ExceptionGrantInForce> covering(const DeviceIdentity& device) const override;
  std::string offer(const DeviceIdentity& device, const std::string& id, const std::string& name) override;
  void withdraw(const std::string& id) override;
  bool markUsed(const std::string& challenge) override;

  // Starts reading uevents (once), for USB and every channel beside it.
  void listen();
  void onReadable();
  common::Status setDefaults(bool authorized);
  void rescan(bool atStart);
  // again: a second decision of a device the kernel configured otherwise than predicted (enforce).
  void decide(const std::string& name, bool atStart, bool announce = true, bool again = false);
  void decideAgain(const DeviceIdentity& identity);
  common::Result<ExceptionGrantInForce> handleResponse(const std::string& response);
  // Writes the exceptions' state file when it changed (after an offer, a grant, a use, an expiry).
  void remember();
  void restoreRemembered();
  // False when authorizing the device made the kernel configure other interfaces than the decided
  // ones (it chose another configuration than the descriptors predicted, or the device changed):
  // none of them is authorized then, and the device is to be decided again as it now is.
  bool enforce(const drivers::UsbDevice& device, const policy::DeviceVerdict& verdict);
  void authorizeAll(const drivers::UsbDevice& device);
  // Authorizes the device itself (not yet its interfaces) and returns it as the kernel now shows it;
  // nullopt after a failure, which was reported.
  std::optional<drivers::UsbDevice> authorizeDevice(const drivers::UsbDevice& device);
  void protectBlockDevices(const std::string& devpath);
  void failed(const drivers::UsbDevice& device, const common::Error& error);

  drivers::UsbBus& bus_;
  drivers::BlockDevices& blocks_;
  drivers::UeventSource* uevents_;
  EventSink& sink_;
  std::vector<DeviceChannel*> channels_;
  policy::DeviceControlSettings settings_;
  bool applied_ = false;        // a policy applied to USB (there is a USB bus)
  bool policyApplied_ = false;  // a policy applied at all (exceptions work without a USB bus too)
  bool absentReported_ = false;
  std::unique_ptr<QSocketNotifier> notifier_;
  // devpath -> kernel name of every device allowed read-only: its block devices get BLKROSET.
  std::map<std::string, std::string> readOnly_;
  std::optional<ExceptionSettings> exceptionSettings_;
  DeviceExceptions exceptions_;
  std::string rememberedText_;  // what the state file holds
  std::unique_ptr<QTimer> exceptionTimer_;
  std::map<std::string, BlockedDevice> blocked_;  // kernel name (or SCSI address) -> the refused device
};

}  // namespace mamori::agent::device
