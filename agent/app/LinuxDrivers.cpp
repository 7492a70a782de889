#include "agent/app/LinuxDrivers.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "agent/p2p/FlowClassifier.h"
#include "agent/report/HttpsTransport.h"
#include "common/Log.h"
#include "common/UniqueFd.h"
#include "drivers/linux/CgroupDeviceGate.h"
#include "drivers/linux/CupsPrintSpooler.h"
#include "drivers/linux/FanotifyActivitySource.h"
#include "drivers/linux/FanotifyExecGuard.h"
#include "drivers/linux/FileHashCache.h"
#include "drivers/linux/LinuxBlockDevices.h"
#include "drivers/linux/LinuxDesktopNotifier.h"
#include "drivers/linux/LinuxMmcBus.h"
#include "drivers/linux/LinuxOpticalDrives.h"
#include "drivers/linux/LinuxPciBus.h"
#include "drivers/linux/LinuxProcessUsage.h"
#include "drivers/linux/LinuxSandbox.h"
#include "drivers/linux/LinuxStorageNodes.h"
#include "drivers/linux/LinuxSystemInfo.h"
#include "drivers/linux/LinuxThunderboltBus.h"
#include "drivers/linux/LinuxUsbBus.h"
#include "drivers/linux/NetlinkUeventSource.h"
#include "drivers/linux/PacketSniffer.h"
#include "drivers/linux/PasswdHomeDirectories.h"
#include "drivers/linux/PeerCredentials.h"
#include "drivers/linux/PidfdProcessControl.h"
#include "drivers/linux/ProcConnector.h"
#include "drivers/linux/ProcFs.h"
#include "drivers/linux/SdNotify.h"
#include "drivers/linux/SocketTable.h"

namespace mamori::agent {

namespace {

DeviceDrivers linuxDeviceDrivers(const std::string& sysfsRoot) {
  DeviceDrivers devices;
  devices.usb = std::make_unique<drivers::linux_os::LinuxUsbBus>(sysfsRoot);
  devices.blocks = std::make_unique<drivers::linux_os::LinuxBlockDevices>();
  devices.mmc = std::make_unique<drivers::linux_os::LinuxMmcBus>(sysfsRoot);
  devices.pci = std::make_unique<drivers::linux_os::LinuxPciBus>(sysfsRoot);
  devices.optical = std::make_unique<drivers::linux_os::LinuxOpticalDrives>(sysfsRoot);
  devices.accessGate = std::make_unique<drivers::linux_os::CgroupDeviceGate>();  // attached at its first start()
  devices.storageNodes = std::make_unique<drivers::linux_os::LinuxStorageNodes>(sysfsRoot);
  devices.thunderbolt = std::make_unique<drivers::linux_os::LinuxThunderboltBus>(sysfsRoot);
  devices.openUevents = []() -> common::Result<std::unique_ptr<drivers::UeventSource>> {
    auto opened = drivers::linux_os::NetlinkUeventSource::open();
    if (!opened) return opened.error();
    return std::unique_ptr<drivers::UeventSource>(std::move(opened).value());
  };
  // With MAMORI_TRACE_KMSG set (bench/usb_plug.py), device events are also written to /dev/kmsg.
  // Nothing in the agent calls setenv, so reading the environment here races with nothing.
  if (std::getenv("MAMORI_TRACE_KMSG") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    auto kmsg = std::make_shared<common::UniqueFd>(::open("/dev/kmsg", O_WRONLY | O_CLOEXEC));
    if (kmsg->valid()) {
      devices.trace = [kmsg](const std::string& line) { (void)!::write(kmsg->get(), line.data(), line.size()); };
    }
  }
  return devices;
}

p2p::P2pGuardDrivers linuxP2pDrivers(const std::string& scopeSpec) {
  p2p::P2pGuardDrivers drivers;
  drivers.processes = std::make_unique<drivers::linux_os::ProcFs>("/proc");
  drivers.control = std::make_unique<drivers::linux_os::PidfdProcessControl>("/proc");
  drivers.hashes = std::make_shared<drivers::linux_os::FileHashCache>();
  drivers.procRoot = "/proc";
  drivers.openEvents = []() -> common::Result<std::unique_ptr<drivers::ProcessEventSource>> {
    auto opened = drivers::linux_os::ProcConnector::open();
    if (!opened) return opened.error();
    return std::unique_ptr<drivers::ProcessEventSource>(std::move(opened).value());
  };
  drivers.ticksSinceBoot = &drivers::linux_os::ticksSinceBoot;
  drivers.monotonicNs = &drivers::linux_os::monotonicNs;
  // Listen where the scope's processes talk: the network namespace of the scope's anchor process
  // (pidns:PID, subtree:PID), else the agent's own.
  std::string netns;
  if (const auto colon = scopeSpec.find(':'); colon != std::string::npos) {
    const std::string kind = scopeSpec.substr(0, colon);
    std::string value = scopeSpec.substr(colon + 1);
    if (kind == "pidns" && value.starts_with("/proc/")) value = value.substr(6, value.find('/', 6) - 6);
    if (kind == "pidns" || kind == "subtree") netns = "/proc/" + value + "/ns/net";
  }
  drivers.openPackets = [netns]() -> common::Result<std::unique_ptr<drivers::PacketSource>> {
    // Only packets whose payload a rule could recognise leave the kernel.
    auto opened = drivers::linux_os::PacketSniffer::open(netns, p2p::recognisedPayloadPrefixes());
    if (!opened) return opened.error();
    return std::unique_ptr<drivers::PacketSource>(std::move(opened).value());
  };
  drivers.flowOwner = [](const p2p::Flow& flow, const std::vector<pid_t>& candidates) {
    drivers::linux_os::FlowEndpoints endpoints{flow.tcp,        flow.ipv6,        flow.source,
                                               flow.sourcePort, flow.destination, flow.destinationPort};
    return drivers::linux_os::findFlowOwner("/proc", endpoints, candidates);
  };
  drivers.listenerOwner = [netns](std::uint16_t port, const std::vector<pid_t>& candidates) {
    return drivers::linux_os::findListener("/proc", netns.empty() ? "/proc/self/ns/net" : netns, port, candidates);
  };
  drivers.startExecGuard =
      [](p2p::P2pGuardDrivers::ExecDecide decide) -> common::Result<std::shared_ptr<p2p::P2pGuardDrivers::ExecGuard>> {
    // The filesystems programs are usually started from; marks on one filesystem cover all its mounts.
    auto started = drivers::linux_os::FanotifyExecGuard::start(
        {"/", "/usr", "/home", "/tmp", "/opt", "/var", "/srv"},
        [decide = std::move(decide)](const drivers::linux_os::ExecRequest& request) {
          const auto answer = decide(request.pid, request.fd, request.path);
          return drivers::linux_os::ExecVerdict{answer.allow, answer.remember};
        },
        nullptr);
    if (!started) return started.error();
    class Running final : public p2p::P2pGuardDrivers::ExecGuard {
     public:
      explicit Running(std::unique_ptr<drivers::linux_os::FanotifyExecGuard> guard) : guard_(std::move(guard)) {}
      void forgetAllowed() override { guard_->forgetAllowed(); }

     private:
      std::unique_ptr<drivers::linux_os::FanotifyExecGuard> guard_;
    };
    return std::shared_ptr<p2p::P2pGuardDrivers::ExecGuard>(std::make_shared<Running>(std::move(started).value()));
  };
  return drivers;
}

}  // namespace

std::unique_ptr<drivers::PrintSpooler> makeLinuxPrintSpooler() {
  return std::make_unique<drivers::linux_os::CupsPrintSpooler>();
}

AgentDrivers makeLinuxDrivers(const AgentOptions& options) {
  AgentDrivers set;
  set.system = std::make_unique<drivers::linux_os::LinuxSystemInfo>();
  set.openTransport = [](const common::net::HttpsClientOptions& http) -> common::Result<std::unique_ptr<Transport>> {
    auto created = HttpsTransport::create(http);
    if (!created) return created.error();
    return std::unique_ptr<Transport>(std::move(created).value());
  };
  set.devices = linuxDeviceDrivers(options.sysfsRoot);
  // Files are parsed by confined mamori-extract workers, never in the agent (docs/decisions/0022).
  set.extraction = drivers::makeExtractionLauncher();
  set.activity = std::make_unique<drivers::linux_os::FanotifyActivitySource>();
  set.homes = std::make_unique<drivers::linux_os::PasswdHomeDirectories>();
  set.printSpooler = makeLinuxPrintSpooler();
  set.p2p = &linuxP2pDrivers;
  set.processUsage = std::make_unique<drivers::linux_os::LinuxProcessUsage>();
  set.notifyService = [socket = drivers::linux_os::notifySocketFromEnvironment()](const std::string& message) {
    if (auto sent = drivers::linux_os::sdNotify(socket, message); !sent) {
      common::log::warning("systemd notification: " + sent.error().describe());
    }
  };
  set.watchdogMs = drivers::linux_os::watchdogIntervalMsFromEnvironment();
  set.notifier = std::make_unique<drivers::LinuxDesktopNotifier>(options.userRuntimeRoot);
  set.hashFile = [hashes = std::make_shared<drivers::linux_os::FileHashCache>(8)](const std::string& path) {
    return hashes->sha256(path);
  };
  set.peerUser = &drivers::linux_os::peerUserName;
  return set;
}

}  // namespace mamori::agent
