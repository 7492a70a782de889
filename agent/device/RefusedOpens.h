#pragma once
// The opens the device gate refused, as device.open_refused events (docs/events.md), the same for every
// channel with rules in the gate (optical drives, PCIe storage, hot-plugged disks): at most one per
// node, process and access in 5 s, and at most kBurst per channel in 5 s, so the kernel's partition
// scan of a refused disk, udev's probes and a script opening in a loop do not flood the collector;
// how many were left out since the last one reported is in the next (open.suppressed).

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "agent/device/GatedMajors.h"
#include "drivers/include/DeviceAccessGate.h"

namespace mamori::agent::device {

class RefusedOpens {
 public:
  static constexpr std::int64_t kEveryMs = 5000;
  static constexpr int kBurst = 20;

  // Whether this refusal is reported now; false: left out (counted).
  bool admit(const drivers::RefusedOpen& open, std::int64_t nowMs);
  // The open's fields: open.node (/dev/NAME, "" when unknown), open.device ("b 8:16"), open.access,
  // process.pid, process.name, process.uid, open.suppressed (refusals left out before this one).
  void describe(Poco::JSON::Object& details, const drivers::RefusedOpen& open, const std::string& node);

 private:
  std::map<std::tuple<std::uint32_t, std::uint32_t, bool, std::int64_t, bool>, std::int64_t> recent_;
  std::int64_t windowStart_ = -kEveryMs;
  int inWindow_ = 0;
  std::int64_t suppressed_ = 0;
};

// Milliseconds of the monotonic clock.
std::int64_t steadyMs();

}  // namespace mamori::agent::device
