#include "agent/app/DeviceControlSetup.h"

#include <QObject>
#include <QTimer>
#include <openssl/rand.h>

#include <array>
#include <functional>

#include "agent/device/CardReaderControl.h"
#include "agent/device/HotplugDiskControl.h"
#include "agent/device/OpticalControl.h"
#include "agent/device/PciStorageControl.h"
#include "agent/device/ThunderboltControl.h"
#include "common/Log.h"

namespace mamori::agent {

namespace {

// With a trace line writer (bench/usb_plug.py: MAMORI_TRACE_KMSG), each device event also writes a
// short "mamori: <type> <device>" line, stamped by the kernel's clock like the kernel's own USB
// messages: plug-to-decision latency is then measured on one clock. Otherwise events pass straight on.
class TracingSink final : public EventSink {
 public:
  TracingSink(EventSink& next, std::function<void(const std::string&)> trace) : next_(next), trace_(std::move(trace)) {}

  std::string report(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details) override {
    if (trace_) {
      std::string device = details->optValue<std::string>("usb.kernel_name", "");
      for (const char* key :
           {"mmc.kernel_name", "pci.kernel_name", "optical.address", "thunderbolt.port", "scsi.address"}) {
        if (details->has(key)) device = details->getValue<std::string>(key);
      }
      trace_("mamori: " + type + " " + device + "\n");
    }
    return next_.report(type, severity, std::move(details));
  }

 private:
  EventSink& next_;
  std::function<void(const std::string&)> trace_;
};

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

class AssembledDeviceControl final : public DeviceControlCapability {
 public:
  AssembledDeviceControl(DeviceDrivers& drivers, const std::string& stateDir, EventSink& sink,
                         std::optional<device::ExceptionSettings> exceptions)
      : drivers_(drivers),
        trace_(sink, drivers.trace),
        cards_(*drivers.mmc, *drivers.blocks, trace_),
        pciStorage_(*drivers.pci, *drivers.storageNodes, *drivers.accessGate, trace_),
        disks_(*drivers.storageNodes, *drivers.accessGate, trace_,
               [this](const std::vector<std::string>& functions) { return pciStorage_.allowedHotPlugged(functions); }),
        // A USB burner's drive is at most read_only when the USB channel allowed its device read-only.
        opticalControl_(*drivers.optical, *drivers.blocks, *drivers.accessGate, trace_,
                        [this](const std::string& devpath) { return control_ && control_->readOnlyBelow(devpath); }),
        thunderbolt_(*drivers.thunderbolt, trace_, stateDir.empty() ? std::string() : stateDir + "/thunderbolt-keys",
                     &randomThunderboltKey),
        // NOLINTNEXTLINE(bugprone-throw-keyword-missing): device exceptions (grants), not a C++ exception
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
      auto source = drivers_.openUevents();
      if (!source) {
        // Without uevents nothing plugged later would ever be decided: leave every bus alone.
        common::log::error("device control: " + source.error().describe());
        return source.error();
      }
      uevents_ = std::move(source).value();
      control_ = std::make_unique<device::DeviceControl>(*drivers_.usb, *drivers_.blocks, uevents_.get(), trace_);
      for (device::DeviceChannel* channel : std::initializer_list<device::DeviceChannel*>{
               &cards_, &pciStorage_, &disks_, &opticalControl_, &thunderbolt_}) {
        control_->addChannel(channel);
      }
      refusedTimer_.setInterval(kRefusedPollMs);
      QObject::connect(&refusedTimer_, &QTimer::timeout, [this] {
        try {  // a Qt slot: nothing may escape it
          // One queue for the agent's one gate: PCIe storage and hot-plugged disks take the refusals
          // on their majors, the optical channel the rest.
          std::vector<drivers::RefusedOpen> optical;
          const std::int64_t now = device::steadyMs();
          for (auto& open : drivers_.accessGate->refused()) {
            if (!pciStorage_.refusedOpen(open, now) && !disks_.refusedOpen(open, now))
              optical.push_back(std::move(open));
          }
          opticalControl_.reportRefused(optical);
        } catch (const std::exception& e) {
          common::log::error(std::string("device gate: ") + e.what());
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
  DeviceDrivers& drivers_;
  TracingSink trace_;
  device::CardReaderControl cards_;
  device::PciStorageControl pciStorage_;
  device::HotplugDiskControl disks_;
  QTimer refusedTimer_;  // collects the opens the device gate refused
  device::OpticalControl opticalControl_;
  device::ThunderboltControl thunderbolt_;
  std::optional<device::ExceptionSettings> exceptions_;
  std::unique_ptr<drivers::UeventSource> uevents_;
  std::unique_ptr<device::DeviceControl> control_;  // declared last: goes first
};

}  // namespace

std::unique_ptr<DeviceControlCapability> makeDeviceControl(DeviceDrivers& drivers, const std::string& stateDir,
                                                           EventSink& sink,
                                                           std::optional<device::ExceptionSettings> exceptions) {
  return std::make_unique<AssembledDeviceControl>(drivers, stateDir, sink, std::move(exceptions));
}

}  // namespace mamori::agent
