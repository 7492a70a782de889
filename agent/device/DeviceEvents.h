#pragma once
// The details of device.* events (docs/events.md, "Device control"): the same fields on every one,
// so a SIEM can join a device.connected with the decision that followed.

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "drivers/include/UsbDevice.h"
#include "policy/DeviceEvaluator.h"

namespace mamori::agent::device {

Poco::JSON::Object::Ptr deviceDetails(const drivers::UsbDevice& device);
// deviceDetails plus the verdict: decision, reason, allow entry, mode, per-interface actions.
Poco::JSON::Object::Ptr verdictDetails(const drivers::UsbDevice& device, const policy::DeviceVerdict& verdict,
                                       policy::Mode mode);

policy::UsbDeviceFacts toFacts(const drivers::UsbDevice& device);

// The fields of an event of a channel beside USB: device.bus, device.channel, then the bus's own.
using BusFields = std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>>;
Poco::JSON::Object::Ptr busDetails(const std::string& bus, const std::string& channel, BusFields fields);

// value as `digits` lower-case hex digits ("046d"): the ids of every bus in events.
std::string hexDigits(unsigned value, int digits);

}  // namespace mamori::agent::device
