#pragma once
// Activity monitoring with the Linux drivers (a fanotify notification group, /proc/self/mountinfo,
// sysfs, the CUPS scheduler for the print gate): the only place that picks them. Owns the source together with the capability, so the
// composition root registers one Capability.

#include <memory>

#include "agent/activity/ActivityCapability.h"
#include "agent/contentscan/ContentSets.h"
#include "common/Clock.h"
#include "drivers/include/Sandbox.h"

namespace mamori::agent {

// The fanotify group is created at the first apply() that enables activity monitoring or on-change
// scanning (it needs CAP_SYS_ADMIN: without it apply() fails and says so).
// sets: the fingerprint and exact-data-match sets its on-change scans match against.
std::unique_ptr<Capability> makeLinuxActivity(EventSink& sink, const common::Clock& clock,
                                              std::shared_ptr<drivers::SandboxLauncher> sandbox,
                                              std::shared_ptr<const contentscan::ContentSets> sets);

}  // namespace mamori::agent
