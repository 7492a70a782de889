#include "agent/device/DeviceEvents.h"

#include <Poco/JSON/Array.h>

#include <array>
#include <cstdio>

#include "agent/report/EventFactory.h"
#include "policy/UsbClass.h"

namespace mamori::agent::device {

std::string hexDigits(unsigned value, int digits) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "%0*x", digits, value);
  return text.data();
}

Poco::JSON::Object::Ptr busDetails(const std::string& bus, const std::string& channel, BusFields fields) {
  auto details = makeDetails();
  details->set("device.bus", bus);
  details->set("device.channel", channel);
  for (const auto& [key, value] : fields) details->set(key, value);
  return details;
}

namespace {
std::string hex4(std::uint16_t value) { return hexDigits(value, 4); }
}  // namespace

policy::UsbDeviceFacts toFacts(const drivers::UsbDevice& device) {
  policy::UsbDeviceFacts facts;
  facts.vendorId = device.vendorId;
  facts.productId = device.productId;
  facts.serial = device.serial;
  facts.deviceClass = device.deviceClass;
  for (const auto& interface : device.interfaces) {
    facts.interfaceClasses.push_back(interface.interfaceClass);
    policy::UsbInterfaceFacts one =
        policy::usbInterface(interface.interfaceClass, interface.subClass, interface.protocol);
    one.label = interface.label;
    one.labelUnreadable = interface.labelUnreadable;
    // A compat ID names the function whose first interface this is.
    for (const auto& function : device.msOsFunctions) {
      if (function.firstInterface == interface.number) one.msCompatibleId = function.compatibleId;
    }
    one.msOsUnreadable = device.msOs == drivers::UsbMsOsState::kUnreadable;
    facts.interfaces.push_back(std::move(one));
  }
  return facts;
}

Poco::JSON::Object::Ptr deviceDetails(const drivers::UsbDevice& device) {
  auto details = makeDetails();
  details->set("usb.vendor_id", hex4(device.vendorId));
  details->set("usb.product_id", hex4(device.productId));
  details->set("usb.manufacturer", device.manufacturer);
  details->set("usb.product", device.product);
  details->set("usb.serial", device.serial);
  details->set("usb.device_class", policy::usb::className(device.deviceClass));
  Poco::JSON::Array::Ptr classes = new Poco::JSON::Array;
  for (const auto& interface : device.interfaces) classes->add(policy::usb::className(interface.interfaceClass));
  details->set("usb.interface_classes", classes);
  details->set("usb.port", device.devpath);
  details->set("usb.kernel_name", device.name);
  return details;
}

Poco::JSON::Object::Ptr verdictDetails(const drivers::UsbDevice& device, const policy::DeviceVerdict& verdict,
                                       policy::Mode mode) {
  auto details = deviceDetails(device);
  details->set("device.decision", std::string(policy::deviceDecisionName(verdict.decided)));
  details->set("device.enforced", std::string(policy::deviceDecisionName(verdict.decision)));
  details->set("device.reason", verdict.reason);
  details->set("device.allow_entry", static_cast<std::int64_t>(verdict.allowEntry));
  details->set("policy.mode", std::string(policy::modeName(mode)));
  Poco::JSON::Array::Ptr interfaces = new Poco::JSON::Array;
  Poco::JSON::Array::Ptr protocols = new Poco::JSON::Array;
  for (const auto& interface : verdict.interfaces) {
    Poco::JSON::Object::Ptr item = makeDetails();
    item->set("class", policy::usb::className(interface.interfaceClass));
    item->set("action", std::string(policy::deviceActionName(interface.decided)));
    item->set("enforced", std::string(policy::deviceActionName(interface.action)));
    item->set("reason", interface.reason);
    if (interface.index < device.interfaces.size() && !device.interfaces[interface.index].label.empty()) {
      item->set("string", device.interfaces[interface.index].label);
    }
    if (interface.recognition.protocol != policy::TransferProtocol::kNone) {
      const std::string protocol(policy::transferProtocolName(interface.recognition.protocol));
      item->set("protocol", protocol);
      Poco::JSON::Array::Ptr evidence = new Poco::JSON::Array;
      for (const auto& by : interface.recognition.evidence) evidence->add(by);
      item->set("recognised_by", evidence);
      protocols->add(protocol);
    }
    interfaces->add(item);
  }
  details->set("device.interfaces", interfaces);
  // The channel: "phones" when an interface speaks MTP or PTP, with the protocols seen.
  if (protocols->size() > 0) {
    details->set("device.channel", std::string("phones"));
    details->set("device.protocols", protocols);
  }
  return details;
}

}  // namespace mamori::agent::device
