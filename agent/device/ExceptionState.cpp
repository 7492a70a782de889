#include "agent/device/ExceptionState.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <tuple>

#include "common/Files.h"
#include "common/JsonParser.h"
#include "common/Log.h"
#include "policy/DeviceException.h"

namespace mamori::agent::device {

namespace {

constexpr int kFormat = 1;
constexpr std::size_t kMaxStateBytes = std::size_t{256} * 1024;  // 64 offers and 16 requests are a few KiB
constexpr std::size_t kMaxText = 512;                            // a serial, a device name, a user name
constexpr std::size_t kMaxEntries = 256;

using common::JsonKind;
using common::JsonValue;

common::Error bad(const std::string& where, const std::string& message) {
  return common::makeError(common::ErrorKind::kCorrupt, message, where);
}

common::Result<std::string> text(const JsonValue& object, const std::string& key, const std::string& where,
                                 bool mayBeEmpty = true) {
  const JsonValue* value = object.find(key);
  if (value == nullptr || value->kind != JsonKind::kString) return bad(where + "/" + key, "expected a string");
  if (value->text.size() > kMaxText) return bad(where + "/" + key, "longer than " + std::to_string(kMaxText));
  if (!mayBeEmpty && value->text.empty()) return bad(where + "/" + key, "is empty");
  return value->text;
}

common::Result<std::uint16_t> hexId(const JsonValue& object, const std::string& key, const std::string& where) {
  auto value = text(object, key, where);
  if (!value) return value.error();
  const std::string& s = value.value();
  if (s.size() != 4 || s.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return bad(where + "/" + key, "expected four lower-case hex digits");
  }
  return static_cast<std::uint16_t>(std::stoul(s, nullptr, 16));
}

common::Result<std::int64_t> integer(const JsonValue& object, const std::string& key, const std::string& where) {
  const JsonValue* value = object.find(key);
  if (value == nullptr || !value->isInteger()) return bad(where + "/" + key, "expected a whole number");
  errno = 0;
  char* end = nullptr;
  const long long parsed = std::strtoll(value->text.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0' || parsed < 0) return bad(where + "/" + key, "out of range");
  return static_cast<std::int64_t>(parsed);
}

common::Result<std::string> challenge(const JsonValue& object, const std::string& where) {
  auto value = text(object, "challenge", where);
  if (value && !policy::isExceptionChallenge(value.value())) return bad(where + "/challenge", "not a challenge code");
  return value;
}

common::Result<DeviceIdentity> identity(const JsonValue& object, const std::string& where) {
  DeviceIdentity device;
  auto channel = text(object, "channel", where, false);
  if (!channel) return channel.error();
  auto vendor = hexId(object, "vendor_id", where);
  if (!vendor) return vendor.error();
  auto product = hexId(object, "product_id", where);
  if (!product) return product.error();
  auto serial = text(object, "serial", where);
  if (!serial) return serial.error();
  return DeviceIdentity{vendor.value(), product.value(), serial.value(), channel.value()};
}

// What every offer and grant starts with: its challenge code and the device it names.
struct ChallengedDevice {
  std::string challenge;
  DeviceIdentity device;
};
common::Result<ChallengedDevice> challengedDevice(const JsonValue& item, const std::string& where) {
  auto code = challenge(item, where);
  if (!code) return code.error();
  auto device = identity(item, where);
  if (!device) return device.error();
  return ChallengedDevice{code.value(), device.value()};
}

std::string hex4(std::uint16_t id) {
  char out[8];
  std::snprintf(out, sizeof out, "%04x", id);
  return out;
}

std::string identityJson(const DeviceIdentity& device) {
  return "\"channel\":" + common::jsonQuote(device.channel) + ",\"vendor_id\":\"" + hex4(device.vendorId) +
         "\",\"product_id\":\"" + hex4(device.productId) + "\",\"serial\":" + common::jsonQuote(device.serial);
}

// The document's top level: an object of our format with an array under `list`.
common::Result<const JsonValue*> entries(const JsonValue& root, const std::string& list) {
  if (root.kind != JsonKind::kObject) return bad("/", "expected an object");
  auto format = integer(root, "format", "");
  if (!format) return format.error();
  if (format.value() != kFormat) return bad("/format", "unknown format " + std::to_string(format.value()));
  const JsonValue* items = root.find(list);
  if (items == nullptr || items->kind != JsonKind::kArray) return bad("/" + list, "expected an array");
  if (items->items.size() > kMaxEntries) return bad("/" + list, "more than " + std::to_string(kMaxEntries));
  for (std::size_t i = 0; i < items->items.size(); ++i) {
    if (items->items[i].kind != JsonKind::kObject) {
      return bad(common::pointerAppend("/" + list, i), "expected an object");
    }
  }
  return items;
}

// The file's text; "" when it does not exist yet (nothing remembered).
common::Result<std::string> readState(const std::string& path) {
  if (!common::fileExists(path)) return std::string();
  return common::readSmallFile(path, kMaxStateBytes);
}

common::Error inFile(const std::string& path, common::Error error) {
  error.where = path + (error.where.empty() ? "" : ": " + error.where);
  return error;
}

// Either state file: read, an empty value when it does not exist yet, parsed, errors named by the file.
template <typename T>
common::Result<T> loadStateFile(const std::string& path, common::Result<T> (*parse)(std::string_view)) {
  auto content = readState(path);
  if (!content) return content.error();
  if (content.value().empty()) return T{};
  auto parsed = parse(content.value());
  if (!parsed) return inFile(path, parsed.error());
  return parsed;
}

}  // namespace

std::string exceptionStateJson(const ExceptionSnapshot& snapshot) {
  std::string out = "{\"format\":" + std::to_string(kFormat) + ",\"offers\":[";
  for (std::size_t i = 0; i < snapshot.offers.size(); ++i) {
    const auto& offer = snapshot.offers[i];
    out += std::string(i == 0 ? "" : ",") + "{\"challenge\":" + common::jsonQuote(offer.first) + "," +
           identityJson(offer.second) + "}";
  }
  out += "],\"grants\":[";
  for (std::size_t i = 0; i < snapshot.grants.size(); ++i) {
    const auto& grant = snapshot.grants[i];
    out += std::string(i == 0 ? "" : ",") + "{\"challenge\":" + common::jsonQuote(grant.challenge) + "," +
           identityJson(grant.device) + ",\"expires_at_ms\":" + std::to_string(grant.expiresAtMs) +
           ",\"used\":" + (grant.used ? "true" : "false") + "}";
  }
  return out + "]}\n";
}

common::Result<ExceptionSnapshot> parseExceptionState(std::string_view document) {
  common::JsonLimits limits;
  limits.maxBytes = kMaxStateBytes;
  auto root = common::parseJsonStrict(document, limits);
  if (!root) return root.error();
  ExceptionSnapshot snapshot;
  auto offers = entries(root.value(), "offers");
  if (!offers) return offers.error();
  for (std::size_t i = 0; i < offers.value()->items.size(); ++i) {
    const auto& item = offers.value()->items[i];
    auto offer = challengedDevice(item, common::pointerAppend("/offers", i));
    if (!offer) return offer.error();
    snapshot.offers.emplace_back(offer.value().challenge, offer.value().device);
  }
  auto grants = entries(root.value(), "grants");
  if (!grants) return grants.error();
  for (std::size_t i = 0; i < grants.value()->items.size(); ++i) {
    const auto& item = grants.value()->items[i];
    const std::string where = common::pointerAppend("/grants", i);
    auto granted = challengedDevice(item, where);
    if (!granted) return granted.error();
    auto expires = integer(item, "expires_at_ms", where);
    if (!expires) return expires.error();
    const JsonValue* used = item.find("used");
    if (used == nullptr || used->kind != JsonKind::kBool) return bad(where + "/used", "expected true or false");
    snapshot.grants.push_back({granted.value().device, granted.value().challenge, expires.value(), used->boolean});
  }
  return snapshot;
}

std::string pendingRequestsJson(const std::vector<PendingRequest>& pending) {
  std::string out = "{\"format\":" + std::to_string(kFormat) + ",\"pending\":[";
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const auto& p = pending[i];
    out += std::string(i == 0 ? "" : ",") + "{\"id\":" + common::jsonQuote(p.id) +
           ",\"challenge\":" + common::jsonQuote(p.challenge) + ",\"device_id\":" + common::jsonQuote(p.deviceId) +
           ",\"device_name\":" + common::jsonQuote(p.deviceName) + ",\"user\":" + common::jsonQuote(p.user) +
           ",\"channel\":" + common::jsonQuote(p.channel) + "}";
  }
  return out + "]}\n";
}

common::Result<std::vector<PendingRequest>> parsePendingRequests(std::string_view document) {
  common::JsonLimits limits;
  limits.maxBytes = kMaxStateBytes;
  auto root = common::parseJsonStrict(document, limits);
  if (!root) return root.error();
  auto items = entries(root.value(), "pending");
  if (!items) return items.error();
  std::vector<PendingRequest> out;
  for (std::size_t i = 0; i < items.value()->items.size(); ++i) {
    const auto& item = items.value()->items[i];
    const std::string where = common::pointerAppend("/pending", i);
    PendingRequest p;
    for (auto [key, field, mayBeEmpty] :
         {std::tuple{"id", &p.id, false}, std::tuple{"device_id", &p.deviceId, false},
          std::tuple{"device_name", &p.deviceName, true}, std::tuple{"user", &p.user, true}}) {
      auto value = text(item, key, where, mayBeEmpty);
      if (!value) return value.error();
      *field = value.value();
    }
    if (item.find("channel") != nullptr) {
      auto channel = text(item, "channel", where, false);
      if (!channel) return channel.error();
      p.channel = channel.value();
    }
    auto code = challenge(item, where);
    if (!code) return code.error();
    p.challenge = code.value();
    out.push_back(std::move(p));
  }
  return out;
}

common::Result<ExceptionSnapshot> loadExceptionState(const std::string& path) {
  return loadStateFile(path, &parseExceptionState);
}

common::Result<std::vector<PendingRequest>> loadPendingRequests(const std::string& path) {
  return loadStateFile(path, &parsePendingRequests);
}

void setAsideDamaged(const std::string& path, const std::string& consequence, const common::Error& error) {
  common::log::warning(consequence + ": " + error.describe());
  std::error_code ec;
  std::filesystem::rename(path, path + ".damaged", ec);  // gone already: nothing to keep
}

}  // namespace mamori::agent::device
