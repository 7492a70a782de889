#include "agent/device/ExceptionRequests.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "agent/device/ExceptionState.h"
#include "agent/report/EventFactory.h"
#include "common/EventJson.h"
#include "common/Files.h"
#include "common/Log.h"
#include "common/Utf8.h"
#include "policy/DeviceException.h"

namespace mamori::agent::device {

namespace {

constexpr const char* kRequestsPath = "/api/v1/exception-requests";

std::string errorText(const common::net::HttpResponse& response) {
  auto parsed = common::parseJson(response.body, "collector answer");
  if (parsed && parsed.value().type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto object = parsed.value().extract<Poco::JSON::Object::Ptr>();
    if (object->has("error") && object->get("error").isString()) return object->getValue<std::string>("error");
  }
  return "HTTP " + std::to_string(response.status);
}

// The device as its channel's events name it: "pci.kernel_name": "0000:01:00.0", not under usb.*.
void setDevice(Poco::JSON::Object& details, const BlockedDevice& device) {
  details.set("device.channel", device.channel);
  details.set(deviceIdField(device.channel), device.id);
  details.set("device.name", device.name);
}

std::string stringAt(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return object->has(key) && object->get(key).isString() ? object->getValue<std::string>(key) : std::string();
}

}  // namespace

static_assert(guard::kMaxRequestMinutes == policy::kMaxExceptionMinutes, "the request line and the grant agree");

ExceptionRequests::ExceptionRequests(Transport& transport, IdentityStore& identity, std::string host, EventSink& sink,
                                     Blocked blocked, Accept accept, std::string statePath)
    : transport_(transport),
      identity_(identity),
      host_(std::move(host)),
      sink_(sink),
      blocked_(std::move(blocked)),
      accept_(std::move(accept)),
      statePath_(std::move(statePath)) {
  if (statePath_.empty()) return;
  auto loaded = loadPendingRequests(statePath_);
  if (!loaded) {
    setAsideDamaged(statePath_,
                    "device control: the exception requests sent before the restart cannot be read, their "
                    "answers will be ignored",
                    loaded.error());
    return;
  }
  for (const auto& p : loaded.value()) {
    if (pending_.size() >= kMaxPending) break;
    pending_[p.id] = Pending{p.challenge, BlockedDevice{p.deviceId, p.deviceName, p.challenge, p.channel}, p.user};
  }
}

void ExceptionRequests::remember() {
  if (statePath_.empty()) return;
  std::vector<PendingRequest> out;
  for (const auto& [id, p] : pending_) {
    out.push_back({id, p.challenge, p.device.id, p.device.name, p.user, p.device.channel});
  }
  if (auto written = common::writeFileAtomically(statePath_, pendingRequestsJson(out), 0600); !written) {
    common::log::warning("device control: cannot remember the exception requests for a restart: " +
                         written.error().describe());
  }
}

std::string ExceptionRequests::devicesJson() const {
  Poco::JSON::Array array;
  for (const auto& device : blocked_()) {
    Poco::JSON::Object item;
    item.set("id", device.id);
    item.set("name", device.name);
    array.add(item);
  }
  std::ostringstream out;
  array.stringify(out);
  return out.str();
}

void ExceptionRequests::submit(const RequestAsk& ask, Reply reply) {
  if (auto problem = requestAskProblem(ask); !problem.empty()) {
    return reply({RequestReply::Outcome::kRefused, problem});
  }
  std::optional<BlockedDevice> device;
  std::string known;
  for (const auto& blocked : blocked_()) {
    if (blocked.id == ask.deviceId) device = blocked;
    known += (known.empty() ? "" : ", ") + blocked.id;
  }
  if (!device) {
    return reply({RequestReply::Outcome::kRefused,
                  "no blocked device \"" + ask.deviceId +
                      "\" on this PC (blocked now: " + (known.empty() ? std::string("none") : known) + ")"});
  }
  const std::string nodeKey = identity_.identity().nodeKey;
  if (nodeKey.empty()) {
    return reply({RequestReply::Outcome::kFailed, "this PC is not enrolled with a collector yet; try again later"});
  }
  // The device chose its name (and a host name can be any bytes): the collector takes names of at most
  // 256 bytes without control characters, so they go as an administrator reads them, with markers for
  // controls and invisible characters (common::visibleText). The device.blocked event keeps the exact
  // strings; the challenge and the device id are what the answer is bound to.
  const auto label = [](const std::string& text) { return common::capUtf8(common::visibleText(text), 256); };
  Poco::JSON::Object body;
  body.set("host", label(host_));
  body.set("user", ask.user);
  body.set("device_id", device->id);
  body.set("device_name", label(device->name));
  body.set("challenge", device->challenge);
  body.set("reason", ask.reason);
  body.set("minutes", ask.minutes);
  std::ostringstream text;
  body.stringify(text);
  TransportRequest request;
  request.path = kRequestsPath;
  request.body = text.str();
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + nodeKey}};
  transport_.post(std::move(request), [this, ask, device = *device,
                                       reply = std::move(reply)](const TransportResult& result) {
    if (!result) {
      return reply({RequestReply::Outcome::kFailed, "the collector cannot be reached: " + result.error().describe() +
                                                        " (the offline code still works: ask your help desk)"});
    }
    const auto& response = result.value();
    if (response.status != 200 && response.status != 201) {
      const auto outcome = response.status >= 500 || response.status == 401 ? RequestReply::Outcome::kFailed
                                                                            : RequestReply::Outcome::kRefused;
      return reply({outcome, "the collector refused the request: " + errorText(response)});
    }
    auto parsed = common::parseJson(response.body, "collector answer");
    std::string id;
    if (parsed && parsed.value().type() == typeid(Poco::JSON::Object::Ptr)) {
      id = stringAt(parsed.value().extract<Poco::JSON::Object::Ptr>(), "id");
    }
    if (id.empty()) return reply({RequestReply::Outcome::kFailed, "the collector's answer has no request id"});
    if (pending_.size() >= kMaxPending && pending_.count(id) == 0) pending_.erase(pending_.begin());  // the oldest
    const bool first = pending_.count(id) == 0;
    pending_[id] = Pending{device.challenge, device, ask.user};
    remember();
    if (first) {
      auto details = makeDetails();
      details->set("request.id", id);
      setDevice(*details, device);
      details->set("device.exception_challenge", device.challenge);
      details->set("request.reason", ask.reason);
      details->set("request.minutes", ask.minutes);
      details->set("user.name", ask.user);
      sink_.report("device.exception_requested", common::Severity::Low, details);
    }
    common::log::info("device control: exception request " + id + " for " + device.id + " sent for " + ask.user);
    reply({RequestReply::Outcome::kOk,
           "request " + id + " sent for " + device.name +
               "; an administrator answers it, and the device opens by itself when approved"});
  });
}

void ExceptionRequests::onAnswers(const std::string& answersJson) {
  if (pending_.empty()) return;
  auto parsed = common::parseJson(answersJson, "exception_answers");
  if (!parsed || parsed.value().type() != typeid(Poco::JSON::Array::Ptr)) return;
  const auto array = parsed.value().extract<Poco::JSON::Array::Ptr>();
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto answer = array->getObject(static_cast<unsigned>(i));
    if (answer.isNull()) continue;
    const std::string id = stringAt(answer, "id");
    const auto found = pending_.find(id);
    if (found == pending_.end()) continue;
    const std::string state = stringAt(answer, "state");
    if (state != "approved" && state != "refused") continue;
    std::int64_t minutes = 0;
    if (answer->has("minutes") && answer->get("minutes").isInteger())
      minutes = answer->getValue<std::int64_t>("minutes");
    const Pending pending = found->second;
    pending_.erase(found);  // acted on once, whatever happens next
    remember();
    answered(id, pending, state, minutes, stringAt(answer, "note"), stringAt(answer, "decided_by"),
             stringAt(answer, "response"));
  }
}

void ExceptionRequests::answered(const std::string& id, const Pending& pending, const std::string& state,
                                 std::int64_t minutes, const std::string& note, const std::string& decidedBy,
                                 const std::string& response) {
  auto details = makeDetails();
  details->set("request.id", id);
  setDevice(*details, pending.device);
  details->set("device.exception_challenge", pending.challenge);
  details->set("request.decided_by", decidedBy);
  details->set("request.note", note);
  details->set("user.name", pending.user);
  if (state == "refused") {
    common::log::info("device control: exception request " + id + " refused by " + decidedBy + ": " + note);
    sink_.report("device.exception_request_refused", common::Severity::Low, details);
    return;
  }
  details->set("request.minutes", minutes);
  common::log::info("device control: exception request " + id + " approved by " + decidedBy + " for " +
                    std::to_string(minutes) + " minutes");
  sink_.report("device.exception_approved", common::Severity::Medium, details);
  // The grant path reports device.exception_granted, or device.exception_refused with why (a code
  // that does not verify against the pinned key, or a challenge this agent no longer holds).
  (void)accept_(response);
}

}  // namespace mamori::agent::device
