#include "agent/app/P2pGuardSetup.h"

#include "agent/p2p/FlowClassifier.h"
#include "agent/p2p/P2pGuardCapability.h"
#include "common/Log.h"
#include "drivers/linux/FanotifyExecGuard.h"
#include "drivers/linux/PacketSniffer.h"
#include "drivers/linux/PidfdProcessControl.h"
#include "drivers/linux/ProcConnector.h"
#include "drivers/linux/ProcFs.h"
#include "drivers/linux/SocketTable.h"

namespace mamori::agent {

common::Result<std::unique_ptr<Capability>> makeLinuxP2pGuard(const std::string& scopeSpec, EventSink& sink) {
  p2p::P2pGuardDrivers drivers;
  drivers.processes = std::make_unique<drivers::linux_os::ProcFs>("/proc");
  drivers.control = std::make_unique<drivers::linux_os::PidfdProcessControl>("/proc");
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
  drivers.startExecGuard = [](p2p::P2pGuardDrivers::ExecDecide decide) -> common::Result<std::shared_ptr<void>> {
    // The filesystems programs are usually started from; marks on one filesystem cover all its mounts.
    auto started = drivers::linux_os::FanotifyExecGuard::start(
        {"/", "/usr", "/home", "/tmp", "/opt", "/var", "/srv"},
        [decide = std::move(decide)](const drivers::linux_os::ExecRequest& request) {
          return decide(request.pid, request.fd, request.path);
        },
        nullptr);
    if (!started) return started.error();
    return std::shared_ptr<void>(std::move(started).value());
  };
  auto capability = p2p::P2pGuardCapability::create(std::move(drivers), scopeSpec, sink);
  if (!capability) return capability.error();
  return std::unique_ptr<Capability>(std::move(capability).value());
}

}  // namespace mamori::agent
