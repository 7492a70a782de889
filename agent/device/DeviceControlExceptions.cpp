// DeviceControl's temporary exceptions: the inbox of response files and the expiry of grants.
#include <QCoreApplication>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "agent/device/DeviceControl.h"
#include "agent/device/DeviceEvents.h"
#include "agent/device/ExceptionState.h"
#include "agent/report/EventFactory.h"
#include "common/Clock.h"
#include "common/Files.h"
#include "common/KeyFiles.h"
#include "common/Log.h"

namespace mamori::agent::device {

namespace fs = std::filesystem;

namespace {
constexpr int kPollIntervalMs = 1000;

std::uint32_t nonce() {
  static std::random_device device;
  return device();
}
constexpr std::size_t kMaxResponseBytes = 1024;

Poco::JSON::Object::Ptr grantDetails(const ExceptionGrantInForce& grant) {
  auto details = makeDetails();
  if (grant.device.channel != "usb") {  // the channels beside USB: what the grant opens, in one line
    details->set("device.channel", grant.device.channel);
    details->set("device.exception_device", describeIdentity(grant.device));
    details->set("device.exception_challenge", grant.challenge);
    details->set("device.exception_expires_at", common::formatUtcMs(grant.expiresAtMs));
    return details;
  }
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x", grant.device.vendorId);
  details->set("usb.vendor_id", std::string(ids));
  std::snprintf(ids, sizeof ids, "%04x", grant.device.productId);
  details->set("usb.product_id", std::string(ids));
  details->set("usb.serial", grant.device.serial);
  details->set("device.exception_challenge", grant.challenge);
  details->set("device.exception_expires_at", common::formatUtcMs(grant.expiresAtMs));
  return details;
}
}  // namespace

common::Status DeviceControl::enableExceptions(ExceptionSettings settings) {
  std::error_code ec;
  fs::create_directories(settings.inboxDir, ec);
  if (ec) return common::makeError("cannot create", settings.inboxDir, ec.value());
  fs::permissions(settings.inboxDir, fs::perms::owner_all, ec);
  exceptionSettings_ = std::move(settings);
  restoreRemembered();
  for (auto* channel : channels_) channel->setExceptions(this);
  if (QCoreApplication::instance() != nullptr && !exceptionTimer_) {
    exceptionTimer_ = std::make_unique<QTimer>();
    exceptionTimer_->setInterval(kPollIntervalMs);
    connect(exceptionTimer_.get(), &QTimer::timeout, this, [this] {
      try {  // a Qt slot: nothing may escape it
        pollExceptions();
      } catch (const std::exception& e) {
        common::log::error(std::string("device control: exceptions: ") + e.what());
      }
    });
    exceptionTimer_->start();
  }
  return common::Ok{};
}

void DeviceControl::pollExceptions() {
  if (!exceptionSettings_ || !policyApplied_) return;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(exceptionSettings_->inboxDir, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::string text(kMaxResponseBytes, '\0');
    std::ifstream in(file, std::ios::binary);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    in.close();
    fs::remove(file, ec);  // used once, whatever the outcome
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    (void)handleResponse(text);  // reported either way
  }
  const auto ended = exceptions_.expire(exceptionSettings_->nowMs());
  if (!ended.empty()) remember();
  for (const auto& grant : ended) {
    sink_.report("device.exception_expired", common::Severity::Info, grantDetails(grant));
    decideAgain(grant.device);
  }
}

common::Result<ExceptionGrantInForce> DeviceControl::acceptResponse(const std::string& response) {
  if (!exceptionSettings_ || !policyApplied_)
    return common::makeError("device control has no exceptions on", "device control");
  return handleResponse(response);
}

std::vector<BlockedDevice> DeviceControl::blockedDevices() const {
  std::vector<BlockedDevice> out;
  out.reserve(blocked_.size());
  for (const auto& [name, device] : blocked_) out.push_back(device);
  return out;
}

common::Result<ExceptionGrantInForce> DeviceControl::handleResponse(const std::string& response) {
  auto refuse = [&](const common::Error& error) {
    common::log::warning("device control: exception response refused: " + error.describe());
    auto details = makeDetails();
    details->set("device.exception_challenge", response.substr(0, response.find('.')).substr(0, 64));
    details->set("error.message", error.describe());
    sink_.report("device.exception_refused", common::Severity::Medium, details);
    return error;
  };
  auto key = common::loadPublicKey(exceptionSettings_->keyPath);
  if (!key) return refuse(key.error());
  auto grant = exceptions_.accept(response, key.value(), exceptionSettings_->nowMs());
  if (!grant) return refuse(grant.error());
  remember();  // before the device opens: a response is used once, also across a restart
  common::log::info("device control: exception " + grant.value().challenge + " granted until " +
                    common::formatUtcMs(grant.value().expiresAtMs));
  sink_.report("device.exception_granted", common::Severity::Medium, grantDetails(grant.value()));
  decideAgain(grant.value().device);
  return grant;
}

std::optional<ExceptionGrantInForce> DeviceControl::covering(const DeviceIdentity& device) const {
  if (!exceptionSettings_) return std::nullopt;
  return exceptions_.covering(device, exceptionSettings_->nowMs());
}

std::string DeviceControl::offer(const DeviceIdentity& device, const std::string& id, const std::string& name) {
  if (!exceptionSettings_) return "";
  std::string challenge = exceptions_.offer(device, exceptionSettings_->agentId, nonce());
  blocked_[id] = BlockedDevice{id, name, challenge, device.channel};
  remember();
  return challenge;
}

void DeviceControl::withdraw(const std::string& id) { blocked_.erase(id); }

bool DeviceControl::markUsed(const std::string& challenge) {
  if (!exceptions_.markUsed(challenge)) return false;
  remember();
  return true;
}

void DeviceControl::restoreRemembered() {
  const std::string& path = exceptionSettings_->stateFile;
  if (path.empty()) return;
  auto state = loadExceptionState(path);
  if (!state) {
    // Start with nothing remembered rather than refuse to start.
    setAsideDamaged(path,
                    "device control: the exceptions remembered before the restart cannot be read, starting "
                    "without them",
                    state.error());
    return;
  }
  exceptions_.restore(state.value());
  rememberedText_ = exceptionStateJson(exceptions_.remembered());
  if (!state.value().offers.empty() || !state.value().grants.empty()) {
    common::log::info("device control: " + std::to_string(state.value().offers.size()) + " open challenge(s) and " +
                      std::to_string(state.value().grants.size()) + " grant(s) remembered from before the restart");
  }
}

void DeviceControl::remember() {
  if (!exceptionSettings_ || exceptionSettings_->stateFile.empty()) return;
  std::string text = exceptionStateJson(exceptions_.remembered());
  if (text == rememberedText_) return;
  if (auto written = common::writeFileAtomically(exceptionSettings_->stateFile, text, 0600); !written) {
    common::log::warning("device control: cannot remember the exceptions for a restart: " + written.error().describe());
    return;
  }
  rememberedText_ = std::move(text);
}

void DeviceControl::decideAgain(const DeviceIdentity& identity) {
  if (identity.channel != "usb") {
    for (auto* channel : channels_) channel->decideAgain(identity);
    return;
  }
  if (!applied_) return;
  auto names = bus_.deviceNames();
  if (!names) return;
  for (const auto& name : names.value()) {
    if (name.rfind("usb", 0) == 0) continue;
    auto device = bus_.device(name);
    if (!device) continue;
    const auto& d = device.value();
    if (d.vendorId == identity.vendorId && d.productId == identity.productId && d.serial == identity.serial) {
      decide(name, false, false);
    }
  }
}

}  // namespace mamori::agent::device
