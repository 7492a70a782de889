#include "agent/device/DeviceExceptions.h"

#include <algorithm>
#include <cstdio>

#include "common/Crypto.h"

namespace mamori::agent::device {

namespace {
DeviceIdentity identityOf(const drivers::UsbDevice& device) {
  return {device.vendorId, device.productId, device.serial};
}
}  // namespace

DeviceIdentity hashedIdentity(const std::string& vendor, const std::string& model, std::string serial,
                              std::string channel) {
  const std::string hash = common::sha256Hex(vendor + "/" + model);
  const auto id = [&](std::size_t at) {
    return static_cast<std::uint16_t>(std::stoul(hash.substr(at, 4), nullptr, 16));
  };
  return {id(0), id(4), std::move(serial), std::move(channel)};
}

std::string describeIdentity(const DeviceIdentity& device) {
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x:%04x", device.vendorId, device.productId);
  return device.channel + " " + ids + (device.serial.empty() ? "" : " " + device.serial);
}

std::string deviceIdField(const std::string& channel) {
  static const std::map<std::string, std::string, std::less<>> kFields{
      {"usb", "usb.kernel_name"},          {"pcie_storage", "pci.kernel_name"},
      {"card_readers", "mmc.kernel_name"}, {"thunderbolt", "thunderbolt.kernel_name"},
      {"optical", "optical.address"},      {"hotplug_disks", "scsi.address"},
  };
  const auto found = kFields.find(channel);
  return found == kFields.end() ? "device.id" : found->second;
}

std::string DeviceExceptions::offer(const drivers::UsbDevice& device, const std::string& agentId, std::uint32_t nonce) {
  return offer(identityOf(device), agentId, nonce);
}

std::string DeviceExceptions::offer(const DeviceIdentity& id, const std::string& agentId, std::uint32_t nonce) {
  for (const auto& [challenge, offered] : offers_) {
    if (offered == id) return challenge;
  }
  std::string challenge = policy::makeExceptionChallenge(agentId, id.vendorId, id.productId, nonce);
  if (offerOrder_.size() >= kMaxOffers) {
    offers_.erase(offerOrder_.front());
    offerOrder_.erase(offerOrder_.begin());
  }
  offers_[challenge] = id;
  offerOrder_.push_back(challenge);
  return challenge;
}

common::Result<ExceptionGrantInForce> DeviceExceptions::accept(const std::string& response,
                                                               const common::PublicKey& key,
                                                               std::int64_t acceptedAtMs) {
  const std::string challenge = response.substr(0, response.find('.'));
  const auto offered = offers_.find(challenge);
  if (offered == offers_.end()) {
    return common::makeError("answers no challenge this agent has open (used up, or for another PC)",
                             "exception response");
  }
  auto grant = policy::verifyExceptionResponse(key, response, challenge);
  if (!grant) return grant.error();
  ExceptionGrantInForce inForce{offered->second, challenge, policy::exceptionExpiresAtMs(grant.value(), acceptedAtMs)};
  offers_.erase(offered);
  std::erase(offerOrder_, challenge);
  grants_.push_back(inForce);
  return inForce;
}

std::optional<ExceptionGrantInForce> DeviceExceptions::covering(const drivers::UsbDevice& device,
                                                                std::int64_t nowMs) const {
  return covering(identityOf(device), nowMs);
}

std::optional<ExceptionGrantInForce> DeviceExceptions::covering(const DeviceIdentity& id, std::int64_t nowMs) const {
  for (const auto& grant : grants_) {
    if (grant.device == id && nowMs < grant.expiresAtMs) return grant;
  }
  return std::nullopt;
}

bool DeviceExceptions::markUsed(const std::string& challenge) {
  for (auto& grant : grants_) {
    if (grant.challenge == challenge && !grant.used) {
      grant.used = true;
      return true;
    }
  }
  return false;
}

std::vector<ExceptionGrantInForce> DeviceExceptions::expire(std::int64_t nowMs) {
  std::vector<ExceptionGrantInForce> ended;
  std::erase_if(grants_, [&](const ExceptionGrantInForce& grant) {
    if (nowMs < grant.expiresAtMs) return false;
    ended.push_back(grant);
    return true;
  });
  return ended;
}

DeviceExceptions::Remembered DeviceExceptions::remembered() const {
  Remembered state;
  for (const auto& challenge : offerOrder_) state.offers.emplace_back(challenge, offers_.at(challenge));
  state.grants = grants_;
  return state;
}

void DeviceExceptions::restore(const Remembered& state) {
  offers_.clear();
  offerOrder_.clear();
  const std::size_t skip = state.offers.size() > kMaxOffers ? state.offers.size() - kMaxOffers : 0;
  for (std::size_t i = skip; i < state.offers.size(); ++i) {
    const auto& [challenge, device] = state.offers[i];
    if (offers_.emplace(challenge, device).second) offerOrder_.push_back(challenge);
  }
  grants_ = state.grants;
}

}  // namespace mamori::agent::device
