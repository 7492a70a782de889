#pragma once
// Activity monitoring with the Linux drivers (a fanotify notification group, /proc/self/mountinfo,
// sysfs): the only place that picks them. Owns the source together with the capability, so the
// composition root registers one Capability.

#include <memory>

#include "agent/activity/ActivityCapability.h"
#include "common/Clock.h"
#include "drivers/include/Sandbox.h"

namespace mamori::agent {

// The fanotify group is created at the first apply() that enables activity monitoring or on-change
// scanning (it needs CAP_SYS_ADMIN: without it apply() fails and says so).
std::unique_ptr<Capability> makeLinuxActivity(EventSink& sink, const common::Clock& clock,
                                              std::shared_ptr<drivers::SandboxLauncher> sandbox);

}  // namespace mamori::agent
