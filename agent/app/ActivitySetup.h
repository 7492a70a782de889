#pragma once
// Activity monitoring over the file events, home directories and print scheduler of an AgentDrivers
// set (in the agent: a fanotify notification group, /proc/self/mountinfo, sysfs, the account
// database, the CUPS scheduler for the print gate), with the incident ids it names evidence by,
// behind one Capability.

#include <memory>
#include <string>

#include "agent/activity/ActivityCapability.h"
#include "agent/contentscan/ContentSets.h"
#include "common/Clock.h"
#include "drivers/include/FileActivity.h"
#include "drivers/include/HomeDirectories.h"
#include "drivers/include/PrintSpooler.h"
#include "drivers/include/Sandbox.h"

namespace mamori::agent {

// source, homes and spooler must outlive the capability; homes say what "~/" in the policy's paths
// stands for, asked again at every apply. The Linux source creates its fanotify group at the
// first apply() that enables activity monitoring or on-change scanning (it needs CAP_SYS_ADMIN:
// without it apply() fails and says so).
// sets: the fingerprint and exact-data-match sets its on-change scans match against. stateDir: where
// the print gate keeps its note for `mamori-agent printing release` (agent/activity/PrintRelease.h).
std::unique_ptr<Capability> makeActivity(drivers::FileActivitySource& source, const drivers::HomeDirectories& homes,
                                         drivers::PrintSpooler& spooler, EventSink& sink, const common::Clock& clock,
                                         std::shared_ptr<drivers::SandboxLauncher> sandbox,
                                         std::shared_ptr<const contentscan::ContentSets> sets,
                                         const std::string& stateDir);

}  // namespace mamori::agent
