#include "agent/app/DeviceControlSetup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "agent/app/EventLogLine.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "drivers/linux/LinuxBlockDevices.h"
#include "drivers/linux/LinuxMmcBus.h"
#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/NetlinkUeventSource.h"

namespace mamori::agent {

namespace {

// Every device event also goes to the log as one line, "event <type> <details JSON>": the console
// of a machine without a collector (and the QEMU end-to-end test) sees each decision.
// With MAMORI_TRACE_KMSG set (bench/usb_plug.py), a short "mamori: <type> <device>" line also goes to
// /dev/kmsg, stamped by the kernel's clock like the kernel's own USB messages: plug-to-decision
// latency is then measured on one clock.
device::DeviceControl::Emit logged(device::DeviceControl::Emit sink) {
  std::shared_ptr<common::UniqueFd> kmsg;
  // Nothing in the agent calls setenv, so reading the environment here races with nothing.
  if (std::getenv("MAMORI_TRACE_KMSG") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    kmsg = std::make_shared<common::UniqueFd>(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
  }
  return [sink = std::move(sink), kmsg](const std::string& type, common::Severity severity,
                                        Poco::JSON::Object::Ptr details) {
    if (kmsg && kmsg->valid()) {
      const std::string device = details->has("mmc.kernel_name")
                                     ? details->getValue<std::string>("mmc.kernel_name")
                                     : details->optValue<std::string>("usb.kernel_name", "");
      const std::string line = "mamori: " + type + " " + device + "\n";
      (void)!::write(kmsg->get(), line.data(), line.size());
    }
    logEventLine(type, details);
    sink(type, severity, std::move(details));
  };
}

class LinuxDeviceControl final : public Capability {
 public:
  LinuxDeviceControl(const std::string& sysfsRoot, device::DeviceControl::Emit sink,
                     std::optional<device::ExceptionSettings> exceptions)
      : bus_(sysfsRoot),
        mmc_(sysfsRoot),
        emit_(logged(std::move(sink))),
        cards_(mmc_, blocks_, emit_),
        exceptions_(std::move(exceptions)) {}

  std::string name() const override { return "device_control"; }

  common::Status apply(const policy::Policy& policy) override {
    if (!control_) {
      // The socket first: a device plugged while the attached ones are decided is queued, not missed.
      if (bus_.present()) {
        auto source = drivers::linux_os::NetlinkUeventSource::open();
        if (!source) {
          // Without uevents nothing plugged later would ever be authorized: leave the bus alone.
          common::log::error("device control: " + source.error().describe());
          return source.error();
        }
        uevents_ = std::move(source).value();
      }
      control_ = std::make_unique<device::DeviceControl>(bus_, blocks_, uevents_.get(), emit_);
      control_->setCardReaders(&cards_);
      if (exceptions_ && bus_.present()) {
        if (auto enabled = control_->enableExceptions(*exceptions_); !enabled) {
          common::log::error("device control: exceptions off: " + enabled.error().describe());
        }
      }
    }
    return control_->apply(policy);
  }

 private:
  drivers::linux_os::LinuxUsbBus bus_;
  drivers::linux_os::LinuxMmcBus mmc_;
  drivers::linux_os::LinuxBlockDevices blocks_;
  device::DeviceControl::Emit emit_;
  device::CardReaderControl cards_;
  std::optional<device::ExceptionSettings> exceptions_;
  std::unique_ptr<drivers::linux_os::NetlinkUeventSource> uevents_;
  std::unique_ptr<device::DeviceControl> control_;  // declared last: goes first
};

}  // namespace

std::unique_ptr<Capability> makeLinuxDeviceControl(const std::string& sysfsRoot, device::DeviceControl::Emit sink,
                                                   std::optional<device::ExceptionSettings> exceptions) {
  return std::make_unique<LinuxDeviceControl>(sysfsRoot, std::move(sink), std::move(exceptions));
}

}  // namespace mamori::agent
