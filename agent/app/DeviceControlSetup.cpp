#include "agent/app/DeviceControlSetup.h"

#include <fcntl.h>
#include <unistd.h>

#include <QObject>
#include <QTimer>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>

#include "agent/device/CardReaderControl.h"
#include "agent/device/OpticalControl.h"
#include "agent/device/PciStorageControl.h"
#include "agent/device/ThunderboltControl.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "drivers/linux/CgroupDeviceGate.h"
#include "drivers/linux/LinuxBlockDevices.h"
#include "drivers/linux/LinuxMmcBus.h"
#include "drivers/linux/LinuxOpticalDrives.h"
#include "drivers/linux/LinuxPciBus.h"
#include "drivers/linux/LinuxThunderboltBus.h"
#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/NetlinkUeventSource.h"

namespace mamori::agent {

namespace {

// With MAMORI_TRACE_KMSG set (bench/usb_plug.py), each device event also writes a short
// "mamori: <type> <device>" line to /dev/kmsg, stamped by the kernel's clock like the kernel's own USB
// messages: plug-to-decision latency is then measured on one clock. Otherwise events pass straight on.
class KmsgTracingSink final : public EventSink {
 public:
  explicit KmsgTracingSink(EventSink& next) : next_(next) {
    // Nothing in the agent calls setenv, so reading the environment here races with nothing.
    if (std::getenv("MAMORI_TRACE_KMSG") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
      kmsg_.reset(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
    }
  }

  std::string report(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details) override {
    if (kmsg_.valid()) {
      std::string device = details->optValue<std::string>("usb.kernel_name", "");
      for (const char* key : {"mmc.kernel_name", "pci.kernel_name", "optical.address", "thunderbolt.port"}) {
        if (details->has(key)) device = details->getValue<std::string>(key);
      }
      const std::string line = "mamori: " + type + " " + device + "\n";
      (void)!::write(kmsg_.get(), line.data(), line.size());
    }
    return next_.report(type, severity, std::move(details));
  }

 private:
  EventSink& next_;
  common::UniqueFd kmsg_;
};

common::Result<std::unique_ptr<drivers::DeviceAccessGate>> startDeviceGate() {
  auto started = drivers::linux_os::CgroupDeviceGate::start();
  if (!started) return started.error();
  return std::unique_ptr<drivers::DeviceAccessGate>(std::move(started).value());
}

// A key for a Thunderbolt device at security level secure: 32 random bytes as 64 hex digits.
std::string randomThunderboltKey() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};  // then no key: reported
  std::string key;
  for (const unsigned char b : bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    key += kHex[b >> 4U];
    key += kHex[b & 0xfU];
  }
  return key;
}

// How often the opens the device gate refused are collected and reported.
constexpr int kRefusedPollMs = 250;

class LinuxDeviceControl final : public DeviceControlCapability {
 public:
  LinuxDeviceControl(const std::string& sysfsRoot, const std::string& stateDir, EventSink& sink,
                     std::optional<device::ExceptionSettings> exceptions)
      : bus_(sysfsRoot),
        mmc_(sysfsRoot),
        pci_(sysfsRoot),
        trace_(sink),
        cards_(mmc_, blocks_, trace_),
        pciStorage_(pci_, trace_),
        optical_(sysfsRoot),
        opticalControl_(optical_, blocks_, &startDeviceGate, trace_),
        thunderboltBus_(sysfsRoot),
        thunderbolt_(thunderboltBus_, trace_, stateDir.empty() ? std::string() : stateDir + "/thunderbolt-keys",
                     &randomThunderboltKey),
        exceptions_(std::move(exceptions)) {}

  std::string name() const override { return "device_control"; }

  std::vector<device::BlockedDevice> blockedDevices() const override {
    return control_ ? control_->blockedDevices() : std::vector<device::BlockedDevice>{};
  }
  common::Result<device::ExceptionGrantInForce> acceptResponse(const std::string& response) override {
    if (!control_) return common::makeError("device control has not started", "device control");
    return control_->acceptResponse(response);
  }

  common::Status apply(const policy::Policy& policy) override {
    if (!control_) {
      // The socket first: a device plugged while the attached ones are decided is queued, not missed.
      // Every channel needs it, with or without a USB bus (PCIe slots, card readers, optical drives,
      // Thunderbolt ports).
      auto source = drivers::linux_os::NetlinkUeventSource::open();
      if (!source) {
        // Without uevents nothing plugged later would ever be decided: leave every bus alone.
        common::log::error("device control: " + source.error().describe());
        return source.error();
      }
      uevents_ = std::move(source).value();
      control_ = std::make_unique<device::DeviceControl>(bus_, blocks_, uevents_.get(), trace_);
      for (device::DeviceChannel* channel :
           std::initializer_list<device::DeviceChannel*>{&cards_, &pciStorage_, &opticalControl_, &thunderbolt_}) {
        control_->addChannel(channel);
      }
      refusedTimer_.setInterval(kRefusedPollMs);
      QObject::connect(&refusedTimer_, &QTimer::timeout, [this] {
        try {  // a Qt slot: nothing may escape it
          opticalControl_.pollRefused();
        } catch (const std::exception& e) {
          common::log::error(std::string("optical drives: ") + e.what());
        }
      });
      refusedTimer_.start();
      if (exceptions_) {  // USB and every channel beside it
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
  drivers::linux_os::LinuxPciBus pci_;
  drivers::linux_os::LinuxBlockDevices blocks_;
  KmsgTracingSink trace_;
  device::CardReaderControl cards_;
  device::PciStorageControl pciStorage_;
  QTimer refusedTimer_;  // collects the opens the device gate refused
  drivers::linux_os::LinuxOpticalDrives optical_;
  device::OpticalControl opticalControl_;
  drivers::linux_os::LinuxThunderboltBus thunderboltBus_;
  device::ThunderboltControl thunderbolt_;
  std::optional<device::ExceptionSettings> exceptions_;
  std::unique_ptr<drivers::linux_os::NetlinkUeventSource> uevents_;
  std::unique_ptr<device::DeviceControl> control_;  // declared last: goes first
};

}  // namespace

std::unique_ptr<DeviceControlCapability> makeLinuxDeviceControl(const std::string& sysfsRoot,
                                                                const std::string& stateDir, EventSink& sink,
                                                                std::optional<device::ExceptionSettings> exceptions) {
  return std::make_unique<LinuxDeviceControl>(sysfsRoot, stateDir, sink, std::move(exceptions));
}

}  // namespace mamori::agent
