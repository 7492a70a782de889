// Parses device_control (docs/policy.md#device_control).
#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <set>
#include <tuple>

#include "policy/FieldReader.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

constexpr std::size_t kMaxAllowEntries = 4096;

std::optional<DeviceAction> actionFromName(std::string_view name) {
  if (name == "allow") return DeviceAction::kAllow;
  if (name == "block") return DeviceAction::kBlock;
  if (name == "read_only") return DeviceAction::kReadOnly;
  return std::nullopt;
}

bool readAction(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, DeviceAction& out) {
  const auto action = value.kind == common::JsonKind::kString ? actionFromName(value.text) : std::nullopt;
  if (!action) {
    errors.add(pointer, "expected one of \"allow\", \"block\", \"read_only\", found " + common::describeJson(value));
    return false;
  }
  out = *action;
  return true;
}

bool readChannelAction(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                       ChannelAction& out) {
  static constexpr std::array kActions = {ChannelAction::kBlock, ChannelAction::kAllow, ChannelAction::kAudit};
  if (value.kind == common::JsonKind::kString) {
    for (const ChannelAction action : kActions) {
      if (value.text == channelActionName(action)) {
        out = action;
        return true;
      }
    }
  }
  errors.add(pointer, "expected one of \"block\", \"allow\", \"audit\", found " + common::describeJson(value));
  return false;
}

// An allow entry's optional "access": "full" (the default) or "read_only".
void readAccess(ObjectReader& reader, DeviceAccess& out) {
  const common::JsonValue* v = reader.get("access");
  if (v == nullptr) return;
  if (v->kind == common::JsonKind::kString && v->text == "full") {
    out = DeviceAccess::kFull;
  } else if (v->kind == common::JsonKind::kString && v->text == "read_only") {
    out = DeviceAccess::kReadOnly;
  } else {
    reader.errors().add(reader.pointerOf("access"),
                        "expected \"full\" or \"read_only\", found " + common::describeJson(*v));
  }
}

bool readCardAction(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, CardAction& out) {
  static constexpr std::array kActions = {CardAction::kBlock, CardAction::kReadOnly, CardAction::kAllow,
                                          CardAction::kAudit};
  if (value.kind == common::JsonKind::kString) {
    for (const CardAction action : kActions) {
      if (value.text == cardActionName(action)) {
        out = action;
        return true;
      }
    }
  }
  errors.add(pointer,
             "expected one of \"block\", \"read_only\", \"allow\", \"audit\", found " + common::describeJson(value));
  return false;
}

void parseCardEntry(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                    std::vector<AllowedCard>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  AllowedCard card;
  const common::JsonValue* cid = reader.require("cid");
  const bool ok = cid != nullptr && cid->kind == common::JsonKind::kString && cid->text.size() == 32 &&
                  std::all_of(cid->text.begin(), cid->text.end(),
                              [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (cid != nullptr && !ok) {
    errors.add(reader.pointerOf("cid"),
               "expected the card's CID as 32 hex digits (sysfs `cid`), found " + common::describeJson(*cid));
  }
  if (ok) {
    for (const char c : cid->text) card.cid += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  readAccess(reader, card.access);
  reader.string("comment", card.comment, 1024);
  if (ok) out.push_back(std::move(card));
}

bool readUsbId(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::uint16_t& out) {
  const bool ok = value.kind == common::JsonKind::kString && value.text.size() == 4 &&
                  std::all_of(value.text.begin(), value.text.end(),
                              [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (!ok) {
    errors.add(pointer, "expected 4 hex digits, found " + common::describeJson(value));
    return false;
  }
  out = static_cast<std::uint16_t>(std::stoul(value.text, nullptr, 16));
  return true;
}

void parseClassActions(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                       DeviceControlSettings& out) {
  if (value.kind != common::JsonKind::kObject) {
    errors.add(pointer, "expected an object of class name -> action, found " + common::describeJson(value));
    return;
  }
  for (const auto& [key, actionValue] : value.members) {
    const std::string at = common::pointerAppend(pointer, key);
    const auto code = usb::classFromName(key);
    if (!code) {
      errors.add(at, "unknown USB class \"" + key + "\"; expected one of " + usb::classNameList());
      continue;
    }
    DeviceAction action = DeviceAction::kAllow;
    if (!readAction(actionValue, at, errors, action)) continue;
    if (usb::isNeverBlocked(*code) && action != DeviceAction::kAllow) {
      errors.add(at, "expected \"allow\": " + usb::className(*code) +
                         " devices (keyboards, mice, hubs) can never be blocked, found " +
                         common::describeJson(actionValue));
      continue;
    }
    if (action == DeviceAction::kReadOnly && *code != usb::kMassStorage) {
      errors.add(at, "expected \"allow\" or \"block\": read_only can be enforced only for mass_storage, found " +
                         common::describeJson(actionValue));
      continue;
    }
    out.classActions[*code] = action;
  }
}

void parseAllowEntry(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                     std::vector<AllowedDevice>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  AllowedDevice device;
  bool ok = true;
  if (const common::JsonValue* v = reader.require("vendor_id")) {
    ok = readUsbId(*v, reader.pointerOf("vendor_id"), errors, device.vendorId) && ok;
  } else {
    ok = false;
  }
  if (const common::JsonValue* v = reader.require("product_id")) {
    ok = readUsbId(*v, reader.pointerOf("product_id"), errors, device.productId) && ok;
  } else {
    ok = false;
  }
  reader.string("serial", device.serial);
  readAccess(reader, device.access);
  reader.string("comment", device.comment, 1024);
  if (ok) out.push_back(std::move(device));
}

// The PCIe Device Serial Number: 8 pairs of hex digits joined by '-' (lspci -vv's form), kept lower-case.
bool isPciSerial(const std::string& text) {
  if (text.size() != 23) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i % 3 == 2;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return true;
}

void parsePciEntry(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                   std::vector<AllowedPciDevice>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  AllowedPciDevice device;
  bool ok = true;
  for (const auto& [key, field] :
       {std::pair{"vendor_id", &device.vendorId}, std::pair{"device_id", &device.deviceId}}) {
    const common::JsonValue* v = reader.require(key);
    const bool read = v != nullptr && readUsbId(*v, reader.pointerOf(key), errors, *field);
    ok = read && ok;
  }
  reader.string("serial", device.serial, 64);
  if (!device.serial.empty()) {
    if (isPciSerial(device.serial)) {
      for (char& c : device.serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      errors.add(reader.pointerOf("serial"),
                 "expected the PCIe Device Serial Number as lspci prints it (\"00-11-22-ff-fe-33-44-55\"), "
                 "found \"" +
                     device.serial + "\"");
      ok = false;
    }
  }
  reader.string("slot", device.slot, 64);
  reader.string("comment", device.comment, 1024);
  if (ok) out.push_back(std::move(device));
}

// SCSI INQUIRY strings as sysfs shows them: vendor at most 8 bytes, model at most 16, printable ASCII.
// Compared with the drive's strings after trimming blanks, case-sensitively (they are upper case in
// practice, and lsscsi prints them so).
std::string trimmedBlanks(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

bool isInquiryText(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// SCSI INQUIRY-like strings of an entry (key, field, longest, required), blanks trimmed, for a "drive"
// or a "disk"; false when one is missing or malformed (each said in errors).
using InquiryField = std::tuple<const char*, std::string*, std::size_t, bool>;
bool readInquiryFields(ObjectReader& reader, ErrorList& errors, const char* what,
                       std::initializer_list<InquiryField> fields) {
  bool ok = true;
  for (const auto& [key, field, limit, required] : fields) {
    const common::JsonValue* v = required ? reader.require(key) : reader.get(key);
    if (v == nullptr) {
      ok = ok && !required;
      continue;
    }
    const std::string text = v->kind == common::JsonKind::kString ? trimmedBlanks(v->text) : std::string();
    if (v->kind != common::JsonKind::kString || text.size() > limit || !isInquiryText(text) ||
        (required && text.empty())) {
      errors.add(reader.pointerOf(key), "expected the " + std::string(what) + "'s " + std::string(key) +
                                            " as sysfs shows it (" + (required ? "1-" : "0-") + std::to_string(limit) +
                                            " printable ASCII characters), found " + common::describeJson(*v));
      ok = false;
      continue;
    }
    *field = text;
  }
  return ok;
}

void parseOpticalEntry(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                       std::vector<AllowedOpticalDrive>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  AllowedOpticalDrive drive;
  const bool ok = readInquiryFields(
      reader, errors, "drive",
      {InquiryField{"vendor", &drive.vendor, 8, true}, InquiryField{"model", &drive.model, 16, false}});
  readAccess(reader, drive.access);
  reader.string("comment", drive.comment, 1024);
  if (ok) out.push_back(std::move(drive));
}

void parseDiskEntry(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                    std::vector<AllowedDisk>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  AllowedDisk disk;
  const bool ok =
      readInquiryFields(reader, errors, "disk",
                        {InquiryField{"vendor", &disk.vendor, 8, false}, InquiryField{"model", &disk.model, 16, true},
                         InquiryField{"serial", &disk.serial, 64, false}});
  reader.string("comment", disk.comment, 1024);
  if (ok) out.push_back(std::move(disk));
}

void parseThunderboltEntry(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                           std::vector<AllowedThunderboltDevice>& out) {
  ObjectReader reader(value, pointer, errors);
  if (!reader.isObject()) return;
  AllowedThunderboltDevice device;
  bool ok = true;
  const common::JsonValue* uuid = reader.get("unique_id");
  const common::JsonValue* vendor = reader.get("vendor_id");
  const common::JsonValue* product = reader.get("device_id");
  if (uuid != nullptr) {
    const std::string& text = uuid->text;
    bool valid = uuid->kind == common::JsonKind::kString && text.size() == 36;
    for (std::size_t i = 0; valid && i < text.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      valid = dash ? text[i] == '-' : std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
    }
    if (valid) {
      for (const char c : text) device.uniqueId += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      errors.add(reader.pointerOf("unique_id"),
                 "expected the device's UUID as sysfs `unique_id` shows it (8-4-4-4-12 hex digits), found " +
                     common::describeJson(*uuid));
      ok = false;
    }
    if (vendor != nullptr || product != nullptr) {
      errors.add(pointer, "expected either unique_id or vendor_id and device_id, not both");
      ok = false;
    }
  } else if (vendor != nullptr && product != nullptr) {
    ok = readUsbId(*vendor, reader.pointerOf("vendor_id"), errors, device.vendorId) && ok;
    ok = readUsbId(*product, reader.pointerOf("device_id"), errors, device.deviceId) && ok;
  } else {
    errors.add(pointer, "expected unique_id, or vendor_id and device_id");
    ok = false;
  }
  reader.string("comment", device.comment, 1024);
  if (ok) out.push_back(std::move(device));
}

}  // namespace

void parseDeviceControl(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                        DeviceControlSettings& out) {
  ObjectReader reader(value, pointer, errors);
  reader.mode("mode", out.mode);
  if (const common::JsonValue* v = reader.get("default_action")) {
    DeviceAction action = out.defaultAction;
    if (readAction(*v, reader.pointerOf("default_action"), errors, action)) {
      if (action == DeviceAction::kReadOnly) {
        errors.add(reader.pointerOf("default_action"),
                   "expected \"allow\" or \"block\": read_only can be enforced only for mass_storage, found "
                   "\"read_only\"");
      } else {
        out.defaultAction = action;
      }
    }
  }
  if (const common::JsonValue* v = reader.get("phones"))
    readChannelAction(*v, reader.pointerOf("phones"), errors, out.phones);
  if (const common::JsonValue* v = reader.get("card_readers")) {
    readCardAction(*v, reader.pointerOf("card_readers"), errors, out.cardReaders);
  }
  if (const common::JsonValue* v = reader.get("card_allow")) {
    std::vector<AllowedCard> cards;
    std::set<std::string> seen;
    readArray(*v, reader.pointerOf("card_allow"), errors, kMaxAllowEntries,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = cards.size();
                parseCardEntry(item, at, errors, cards);
                if (cards.size() != before && !seen.insert(cards.back().cid).second) {
                  errors.add(at, "duplicate card_allow entry: the same cid appears earlier");
                }
              });
    out.cardAllow = std::move(cards);
  }
  if (const common::JsonValue* v = reader.get("pcie_storage"))
    readChannelAction(*v, reader.pointerOf("pcie_storage"), errors, out.pcieStorage);
  if (const common::JsonValue* v = reader.get("pci_allow")) {
    std::vector<AllowedPciDevice> devices;
    std::set<std::tuple<std::uint16_t, std::uint16_t, std::string, std::string>> seen;
    readArray(*v, reader.pointerOf("pci_allow"), errors, kMaxAllowEntries,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = devices.size();
                parsePciEntry(item, at, errors, devices);
                if (devices.size() == before) return;
                const auto& entry = devices.back();
                if (!seen.emplace(entry.vendorId, entry.deviceId, entry.serial, entry.slot).second) {
                  errors.add(at,
                             "duplicate pci_allow entry: the same vendor_id, device_id, serial and slot appear "
                             "earlier");
                }
              });
    out.pciAllow = std::move(devices);
  }
  if (const common::JsonValue* v = reader.get("disk_allow")) {
    std::vector<AllowedDisk> disks;
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    readArray(*v, reader.pointerOf("disk_allow"), errors, kMaxAllowEntries,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = disks.size();
                parseDiskEntry(item, at, errors, disks);
                if (disks.size() != before &&
                    !seen.emplace(disks.back().vendor, disks.back().model, disks.back().serial).second) {
                  errors.add(at, "duplicate disk_allow entry: the same vendor, model and serial appear earlier");
                }
              });
    out.diskAllow = std::move(disks);
  }
  if (const common::JsonValue* v = reader.get("optical"))
    readCardAction(*v, reader.pointerOf("optical"), errors, out.optical);
  if (const common::JsonValue* v = reader.get("optical_allow")) {
    std::vector<AllowedOpticalDrive> drives;
    std::set<std::pair<std::string, std::string>> seen;
    readArray(*v, reader.pointerOf("optical_allow"), errors, kMaxAllowEntries,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = drives.size();
                parseOpticalEntry(item, at, errors, drives);
                if (drives.size() != before && !seen.emplace(drives.back().vendor, drives.back().model).second) {
                  errors.add(at, "duplicate optical_allow entry: the same vendor and model appear earlier");
                }
              });
    out.opticalAllow = std::move(drives);
  }
  if (const common::JsonValue* v = reader.get("thunderbolt"))
    readChannelAction(*v, reader.pointerOf("thunderbolt"), errors, out.thunderbolt);
  reader.boolean("thunderbolt_keep_authorized", out.thunderboltKeepAuthorized);
  if (const common::JsonValue* v = reader.get("thunderbolt_allow")) {
    std::vector<AllowedThunderboltDevice> devices;
    std::set<std::tuple<std::string, std::uint16_t, std::uint16_t>> seen;
    readArray(*v, reader.pointerOf("thunderbolt_allow"), errors, kMaxAllowEntries,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = devices.size();
                parseThunderboltEntry(item, at, errors, devices);
                if (devices.size() == before) return;
                const auto& entry = devices.back();
                if (!seen.emplace(entry.uniqueId, entry.vendorId, entry.deviceId).second) {
                  errors.add(at, "duplicate thunderbolt_allow entry: the same device appears earlier");
                }
              });
    out.thunderboltAllow = std::move(devices);
  }
  if (const common::JsonValue* v = reader.get("class_actions"))
    parseClassActions(*v, reader.pointerOf("class_actions"), errors, out);
  if (const common::JsonValue* v = reader.get("allow")) {
    std::vector<AllowedDevice> allow;
    std::set<std::tuple<std::uint16_t, std::uint16_t, std::string>> seen;
    readArray(*v, reader.pointerOf("allow"), errors, kMaxAllowEntries,
              [&](const common::JsonValue& item, const std::string& at) {
                const std::size_t before = allow.size();
                parseAllowEntry(item, at, errors, allow);
                if (allow.size() == before) return;
                const auto& entry = allow.back();
                // Two entries for one device with different access would make the outcome depend on order.
                if (!seen.emplace(entry.vendorId, entry.productId, entry.serial).second) {
                  errors.add(at, "duplicate allow entry: the same vendor_id, product_id and serial appear earlier");
                }
              });
    out.allow = std::move(allow);
  }
}

DeviceAction DeviceControlSettings::actionForClass(std::uint8_t interfaceClass) const {
  if (usb::isNeverBlocked(interfaceClass)) return DeviceAction::kAllow;
  const auto it = classActions.find(interfaceClass);
  return it != classActions.end() ? it->second : defaultAction;
}

std::string_view channelActionName(ChannelAction action) {
  switch (action) {
    case ChannelAction::kBlock: return "block";
    case ChannelAction::kAllow: return "allow";
    case ChannelAction::kAudit: return "audit";
  }
  return "block";
}

std::string_view cardActionName(CardAction action) {
  switch (action) {
    case CardAction::kBlock: return "block";
    case CardAction::kReadOnly: return "read_only";
    case CardAction::kAllow: return "allow";
    case CardAction::kAudit: return "audit";
  }
  return "block";
}

std::string_view deviceActionName(DeviceAction action) {
  switch (action) {
    case DeviceAction::kAllow: return "allow";
    case DeviceAction::kBlock: return "block";
    case DeviceAction::kReadOnly: return "read_only";
  }
  return "block";
}

}  // namespace mamori::policy
