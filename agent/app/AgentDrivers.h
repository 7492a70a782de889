#pragma once
// Everything mamori-agent runs on that is not its own code: the machine's drivers and the collector
// connection, chosen in one place and handed to Agent. main() builds the Linux set
// (agent/app/LinuxDrivers); the whole-agent test builds one over drivers/fake. Agent owns the set and
// wires it into its capabilities; nothing else in the agent picks a concrete driver.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/guard/Integrity.h"
#include "agent/guard/RequestServer.h"
#include "agent/p2p/P2pGuardCapability.h"
#include "agent/report/Transport.h"
#include "common/Result.h"
#include "common/net/HttpsClient.h"
#include "drivers/include/DesktopNotifier.h"
#include "drivers/include/DeviceAccessGate.h"
#include "drivers/include/FileActivity.h"
#include "drivers/include/HomeDirectories.h"
#include "drivers/include/MmcBus.h"
#include "drivers/include/OpticalDrives.h"
#include "drivers/include/PciBus.h"
#include "drivers/include/PrintSpooler.h"
#include "drivers/include/ProcessUsage.h"
#include "drivers/include/Sandbox.h"
#include "drivers/include/StorageNodes.h"
#include "drivers/include/SystemInfo.h"
#include "drivers/include/ThunderboltBus.h"
#include "drivers/include/Uevent.h"
#include "drivers/include/UsbBus.h"

namespace mamori::agent {

// Device control: the buses it decides on and the kernel switches it enforces verdicts through.
struct DeviceDrivers {
  std::unique_ptr<drivers::UsbBus> usb;
  std::unique_ptr<drivers::BlockDevices> blocks;
  std::unique_ptr<drivers::MmcBus> mmc;
  std::unique_ptr<drivers::PciBus> pci;
  std::unique_ptr<drivers::OpticalDrives> optical;
  // The kernel's check of every open of a device node (one per agent, started by the first channel
  // that puts a rule in it), shared by the optical drives and PCIe storage channels.
  std::unique_ptr<drivers::DeviceAccessGate> accessGate;
  // The NVMe nodes PCIe storage allows through that gate.
  std::unique_ptr<drivers::StorageNodes> storageNodes;
  std::unique_ptr<drivers::ThunderboltBus> thunderbolt;
  // The kernel's device events, opened at the first apply.
  std::function<common::Result<std::unique_ptr<drivers::UeventSource>>()> openUevents;
  // One line per device event, stamped by another clock (bench/usb_plug.py: /dev/kmsg); empty: none.
  std::function<void(const std::string& line)> trace;
};

struct AgentDrivers {
  std::unique_ptr<drivers::SystemInfo> system;
  // The collector connection: HTTPS on a worker thread in the agent, a scripted one in tests.
  std::function<common::Result<std::unique_ptr<Transport>>(const common::net::HttpsClientOptions& options)>
      openTransport;
  DeviceDrivers devices;  // used unless --device-control off
  // The content scanner's confined extraction workers (docs/decisions/0022).
  std::shared_ptr<drivers::SandboxLauncher> extraction;
  // Activity monitoring's file events and the print gate's scheduler.
  std::unique_ptr<drivers::FileActivitySource> activity;
  std::unique_ptr<drivers::PrintSpooler> printSpooler;
  // The people of this PC: what "~/" in the policy's paths stands for (activity, content scans).
  std::unique_ptr<drivers::HomeDirectories> homes;
  // The P2P guard's process, network and exec drivers for a --p2p-scope (used unless --p2p-guard off).
  std::function<p2p::P2pGuardDrivers(const std::string& scopeSpec)> p2p;
  // The service guard: the agent's own CPU and memory, the service manager's notification and watchdog.
  std::unique_ptr<drivers::ProcessUsageSource> processUsage;
  std::function<void(const std::string& message)> notifyService;
  std::int64_t watchdogMs = 0;  // 0: no watchdog
  // Desktop notices to the person at the PC (used unless --desktop-notices off).
  std::unique_ptr<drivers::DesktopNotifier> notifier;
  // The integrity check's file digests (a file it cannot find answers ErrorKind::kNotFound), and the
  // account behind a caller of the request socket.
  guard::FileHasher hashFile;
  guard::RequestServer::PeerUser peerUser;
};

}  // namespace mamori::agent
