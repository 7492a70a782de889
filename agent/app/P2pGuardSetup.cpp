#include "agent/app/P2pGuardSetup.h"

#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "agent/p2p/P2pGuardCapability.h"
#include "common/Log.h"
#include "drivers/linux/PidfdProcessControl.h"
#include "drivers/linux/ProcConnector.h"
#include "drivers/linux/ProcFs.h"

namespace mamori::agent {

common::Result<std::unique_ptr<Capability>> makeLinuxP2pGuard(const std::string& scopeSpec, p2p::P2pGuard::Emit sink) {
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
  // Every P2P event also goes to the log as one line, like device events.
  auto logged = [sink = std::move(sink)](const std::string& type, common::Severity severity,
                                         Poco::JSON::Object::Ptr details) {
    std::ostringstream json;
    Poco::JSON::Stringifier::stringify(details, json);
    common::log::info("event " + type + " " + json.str());
    sink(type, severity, std::move(details));
  };
  auto capability = p2p::P2pGuardCapability::create(std::move(drivers), scopeSpec, std::move(logged));
  if (!capability) return capability.error();
  return std::unique_ptr<Capability>(std::move(capability).value());
}

}  // namespace mamori::agent
