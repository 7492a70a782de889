#pragma once
// The details of device.* events (docs/events.md, "Device control"): the same fields on every one,
// so a SIEM can join a device.connected with the decision that followed.

#include <Poco/JSON/Object.h>

#include "drivers/include/UsbDevice.h"
#include "policy/DeviceEvaluator.h"

namespace mamori::agent::device {

Poco::JSON::Object::Ptr deviceDetails(const drivers::UsbDevice& device);
// deviceDetails plus the verdict: decision, reason, allow entry, mode, per-interface actions.
Poco::JSON::Object::Ptr verdictDetails(const drivers::UsbDevice& device, const policy::DeviceVerdict& verdict,
                                       policy::Mode mode);

policy::UsbDeviceFacts toFacts(const drivers::UsbDevice& device);

// value as `digits` lower-case hex digits ("046d"): the ids of every bus in events.
std::string hexDigits(unsigned value, int digits);

}  // namespace mamori::agent::device
