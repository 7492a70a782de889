#include "agent/report/UserNotice.h"

namespace mamori::agent {

namespace {

std::string text(const Poco::JSON::Object::Ptr& details, const char* key) {
  if (details.isNull() || !details->has(key)) return "";
  const auto value = details->get(key);
  return value.isString() ? value.extract<std::string>() : "";
}

std::string joined(const std::string& first, const std::string& second) {
  return first.empty() || second.empty() ? first + second : first + " " + second;
}

// " To ask for it, ..." with the request command, or the way to IT.
std::string howToAsk(const Poco::JSON::Object::Ptr& details) {
  const std::string command = text(details, "device.request_command");
  return command.empty() ? " Ask your IT department if you need it."
                         : " To ask for it, open a terminal and run: " + command;
}

// "SanDisk Ultra (0781:5581)", the SD card's name, or what the bus tells.
std::string deviceName(const Poco::JSON::Object::Ptr& details) {
  const std::string bus = text(details, "device.bus");
  if (bus == "mmc") return "The memory card " + text(details, "mmc.name");
  if (bus == "pci")
    return "The storage device " + text(details, "pci.vendor_id") + ":" + text(details, "pci.device_id");
  if (bus == "scsi") return "The disc drive " + joined(text(details, "optical.vendor"), text(details, "optical.model"));
  if (bus == "thunderbolt") {
    const std::string name = joined(text(details, "thunderbolt.vendor_name"), text(details, "thunderbolt.device_name"));
    return "The Thunderbolt device " +
           (name.empty() ? text(details, "thunderbolt.vendor_id") + ":" + text(details, "thunderbolt.device_id")
                         : name);
  }
  std::string name = text(details, "usb.manufacturer");
  const std::string product = text(details, "usb.product");
  if (!product.empty()) name += (name.empty() ? "" : " ") + product;
  const std::string ids = text(details, "usb.vendor_id") + ":" + text(details, "usb.product_id");
  if (ids != ":") name += (name.empty() ? ids : " (" + ids + ")");
  return name.empty() ? "This device" : name;
}

}  // namespace

std::optional<UserNotice> userNoticeFor(const std::string& type, const Poco::JSON::Object::Ptr& details) {
  if (type == "device.blocked") {
    return UserNotice{"Device blocked by company policy",
                      deviceName(details) + " cannot be used on this PC: company files must not leave it this way." +
                          howToAsk(details)};
  }
  if (type == "device.open_refused") {  // a burning program (or, under block, any program) opened a drive
    const bool write = text(details, "open.access") == "write";
    std::string program = text(details, "process.name");
    return UserNotice{write ? "Disc burning blocked by company policy" : "Disc drive blocked by company policy",
                      deviceName(details) + (write ? " cannot write discs" : " cannot be used") +
                          " on this PC: company files must not leave it this way" +
                          (program.empty() ? std::string(".") : " (" + program + " was refused).") + howToAsk(details)};
  }
  if (type == "p2p.killed" || type == "p2p.exec_denied") {
    std::string program = text(details, "process.executable");
    if (program.empty()) program = text(details, "process.name");
    return UserNotice{"File-sharing program stopped",
                      (program.empty() ? std::string("A file-sharing program") : program) +
                          " is not allowed on company PCs and was stopped. Your IT department has been told."};
  }
  if (type == "activity.print_blocked") {
    std::string title = text(details, "print.title");
    title = title.empty() ? std::string("Your print job") : "Your print job \"" + title + "\"";
    const bool company = text(details, "print.reason") == "company_document";
    return UserNotice{"Printing blocked by company policy",
                      title +
                          (company ? " holds company information and was not printed."
                                   : " could not be checked and was not printed.") +
                          " Your IT department has been told; ask them if you need it on paper."};
  }
  return std::nullopt;
}

}  // namespace mamori::agent
