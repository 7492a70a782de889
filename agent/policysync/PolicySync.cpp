#include "agent/policysync/PolicySync.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <climits>
#include <random>
#include <sstream>
#include <variant>

#include "agent/report/Enrollment.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Log.h"
#include "policy/DefaultPolicy.h"
#include "policy/Mode.h"
#include "policy/PolicyParser.h"
#include "policy/SignedPolicy.h"

namespace mamori::agent {

namespace {

constexpr const char* kPolicyPath = "/api/v1/policy";
constexpr const char* kSourceCollector = "collector";
constexpr const char* kSourcePersisted = "persisted";
constexpr const char* kSourceBuiltin = "builtin";
constexpr const char* kSourceLocalFile = "local";

double defaultJitter() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.9, 1.1)(generator);
}

Poco::JSON::Array::Ptr stringArray(const std::vector<std::string>& values) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& value : values) array->add(value);
  return array;
}

// The {"group", "envelope"} answer of GET /api/v1/policy (and the group of a 404).
struct PolicyAnswer {
  std::string group;
  std::string envelope;          // "" when none
  std::string exceptionAnswers;  // the "exception_answers" array as JSON text; "" when absent
};

std::optional<PolicyAnswer> parseAnswer(const std::string& body) {
  auto parsed = common::parseJson(body, "policy answer");
  if (!parsed || parsed.value().type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
  const auto object = parsed.value().extract<Poco::JSON::Object::Ptr>();
  PolicyAnswer answer;
  if (object->has("group") && object->get("group").isString()) answer.group = object->getValue<std::string>("group");
  if (object->has("envelope") && !object->get("envelope").isEmpty()) {
    // The signature covers the document's bytes only, so the envelope may be re-serialized.
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(object->get("envelope"), out);
    answer.envelope = out.str();
  }
  if (object->has("exception_answers") && object->get("exception_answers").type() == typeid(Poco::JSON::Array::Ptr)) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(object->get("exception_answers"), out);
    answer.exceptionAnswers = out.str();
  }
  return answer;
}

}  // namespace

PolicySync::PolicySync(Transport& transport, IdentityStore& identity, Spool& spool, EventFactory& events,
                       CapabilityRegistry& capabilities, const std::string& stateDir, const common::Clock& clock,
                       Jitter jitter, QObject* parent)
    : QObject(parent),
      transport_(transport),
      identity_(identity),
      spool_(spool),
      events_(events),
      capabilities_(capabilities),
      files_(stateDir),
      clock_(clock),
      jitter_(jitter ? std::move(jitter) : Jitter(defaultJitter)) {
  timer_.setSingleShot(true);
  connect(&timer_, &QTimer::timeout, this, &PolicySync::fetchNow);
}

std::string PolicySync::group() const {
  const std::string& group = identity_.identity().group;
  return group.empty() ? "default" : group;
}

common::Status PolicySync::start() {
  auto key = files_.loadPinnedKey();
  if (key) {
    pinned_ = std::move(key).value();
  } else {
    // Refusing to start would leave the PC with no protection at all; instead nothing from the
    // collector is trusted (every delivered policy is refused) and the built-in policy stays.
    common::log::error("policy: " + key.error().describe() +
                       "; no collector policy can be verified until the agent is enrolled again");
  }
  StartPolicy start = files_.loadStart(pinned_, group());
  const std::string fallbackTo = start.persisted ? start.persisted->file : std::string(kSourceBuiltin);
  for (const auto& problem : start.problems) reportFallback(problem, fallbackTo);
  if (start.persisted) {
    const auto& accepted = start.persisted->accepted;
    install(accepted.policy, accepted.sha256, start.persisted->envelope, kSourcePersisted);
    if (local_) {
      // Over the persisted one: its version still guards against an older collector policy.
      for (const auto& failure : capabilities_.applyAll(local_->policy)) {
        common::log::error("--policy: " + failure.capability + ": " + failure.error.describe());
      }
    }
  } else if (local_) {
    install(local_->policy, local_->sha256, "", kSourceLocalFile);
  } else {
    install(policy::builtinPolicy(), common::sha256Hex(policy::builtinPolicyText()), "", kSourceBuiltin);
  }
  if (local_) common::log::info("policy: applied the local file " + local_->path);
  stopped_ = false;
  if (!identity_.identity().nodeKey.empty()) {
    fetchNow();
  }
  // Not enrolled yet: onEnrolled() fetches. Polling starts either way, so a lost enrollment signal
  // only delays the first policy by one interval.
  scheduleNextPoll();
  return common::Ok{};
}

void PolicySync::setLocalPolicy(policy::Policy policy, std::string path, std::string sha256) {
  local_ = LocalPolicy{std::move(policy), std::move(path), std::move(sha256)};
}

void PolicySync::stop() {
  stopped_ = true;
  timer_.stop();
}

void PolicySync::onEnrolled(const std::string& enrollAnswer) {
  const EnrollPolicyInfo info = parseEnrollPolicyInfo(enrollAnswer);
  if (!info.publicKeyPem.empty()) {
    auto key = common::PublicKey::fromPem(info.publicKeyPem);
    if (!key) {
      common::log::error("policy: the collector's policy key is unusable: " + key.error().describe());
    } else if (!pinned_) {
      if (auto saved = files_.savePinnedKey(key.value()); !saved) {
        common::log::error("policy: cannot save the pinned key (it is pinned for this run only): " +
                           saved.error().describe());
      }
      common::log::info("policy: pinned the collector's policy key " + key.value().keyId());
      pinned_ = std::move(key).value();
    } else if (pinned_->keyId() != key.value().keyId()) {
      // Trust on first enrollment: a re-enrollment never replaces the pinned key (key rotation is
      // not in this version, docs/decisions/0006).
      common::log::warning("policy: the collector now offers policy key " + key.value().keyId() +
                           "; keeping the pinned key " + pinned_->keyId());
    }
  }
  if (!info.group.empty()) adoptGroup(info.group);
  fetchNow();
}

void PolicySync::adoptGroup(const std::string& newGroup) {
  if (newGroup == group()) return;
  common::log::info("policy: the collector puts this agent in group " + newGroup + " (was " + group() + ")");
  Identity identity = identity_.identity();
  identity.group = newGroup;
  if (auto saved = identity_.save(identity); !saved) {
    common::log::error("policy: cannot save the new group: " + saved.error().describe());
  }
  // Each group has its own version sequence: the first policy of the new group may have any
  // version. The policy in force stays until that policy arrives (a PC is never left without one).
  appliedVersion_ = 0;
}

void PolicySync::fetchNow() {
  if (stopped_) return;
  if (inFlight_) {
    fetchAgain_ = true;
    return;
  }
  if (identity_.identity().nodeKey.empty()) return scheduleNextPoll();
  timer_.stop();
  inFlight_ = true;
  TransportRequest request;
  request.method = "GET";
  request.path = kPolicyPath;
  request.headers = {{"Authorization", "Bearer " + identity_.identity().nodeKey}};
  request.closeAfter = spool_.eventCount() == 0;  // a poll with nothing to upload: let the connection go
  transport_.post(std::move(request), [this](const TransportResult& result) { onAnswer(result); });
}

void PolicySync::onAnswer(const TransportResult& result) {
  inFlight_ = false;
  if (stopped_) return;
  const int status = result ? result.value().status : 0;
  if (status == 200 || status == 404) {
    auto answer = parseAnswer(result.value().body);
    if (!answer) {
      common::log::warning("policy: the collector's answer is not JSON (HTTP " + std::to_string(status) + ")");
    } else {
      if (!answer->group.empty()) adoptGroup(answer->group);
      if (status == 200) consider(answer->envelope);
      if (!answer->exceptionAnswers.empty()) emit exceptionAnswers(answer->exceptionAnswers);
    }
    if (lastFailure_ != 200) common::log::info("policy: the collector answers again");
    lastFailure_ = 200;
  } else if (status != lastFailure_) {
    // Changes only: an unreachable collector must not fill the journal once a poll.
    common::log::warning("policy: fetch failed (" +
                         (result ? "HTTP " + std::to_string(status) : result.error().describe()) +
                         "); keeping the policy in force");
    lastFailure_ = status;
  }
  if (std::exchange(fetchAgain_, false)) return fetchNow();
  scheduleNextPoll();
}

void PolicySync::consider(const std::string& envelope) {
  // The policy in force, served again: nothing to do (and no rollback refusal every poll).
  if (auto parsed = policy::parseSignedPolicyEnvelope(envelope);
      parsed && common::sha256Hex(parsed.value().document) == currentSha256_ && appliedVersion_ != 0) {
    if (!status_.error.empty()) {  // whatever was refused before has been replaced by the good one
      status_.error.clear();
      lastRejected_.clear();
      emit statusChanged();
    }
    return;
  }
  if (!pinned_) {
    policy::PolicyRejection rejection;
    rejection.reason = policy::RejectReason::kUnknownKey;
    rejection.errors.push_back(common::makeError("no policy key is pinned (enroll this agent again)"));
    return reportRejection(envelope, rejection);
  }
  auto verdict = policy::acceptSignedPolicy(envelope, *pinned_, appliedVersion_, group());
  if (auto* rejected = std::get_if<policy::PolicyRejection>(&verdict)) return reportRejection(envelope, *rejected);
  const auto& accepted = std::get<policy::AcceptedPolicy>(verdict);
  const std::string previous = currentEnvelope_;
  install(accepted.policy, accepted.sha256, envelope, kSourceCollector);
  if (auto saved = files_.saveApplied(envelope, previous); !saved) {
    // In force for this run; the next start falls back to the last copy that was written.
    common::log::error("policy: applied but not persisted: " + saved.error().describe());
  }
}

void PolicySync::install(const policy::Policy& policy, const std::string& sha256, const std::string& envelope,
                         const char* source) {
  const auto failures = capabilities_.applyAll(policy);
  current_ = policy;
  currentEnvelope_ = envelope;
  currentSha256_ = sha256;
  appliedVersion_ = envelope.empty() ? 0 : policy.version;
  lastRejected_.clear();
  status_ = PolicyStatus{policy.version, sha256, policy.name, source, clock_.nowMs(), ""};

  auto details = makeDetails();
  details->set("policy.version", policy.version);
  details->set("policy.sha256", sha256);
  details->set("policy.name", policy.name);
  details->set("policy.group", policy.group);
  details->set("policy.source", std::string(source));
  details->set("policy.capabilities", stringArray(capabilities_.names()));
  details->set("policy.mode.device_control", std::string(policy::modeName(policy.deviceControl.mode)));
  details->set("policy.mode.p2p_guard", std::string(policy::modeName(policy.p2pGuard.mode)));
  details->set("policy.mode.content_scan", std::string(policy::modeName(policy.contentScan.mode)));
  details->set("policy.mode.activity", std::string(policy::modeName(policy.activity.mode)));
  if (!failures.empty()) {
    std::vector<std::string> lines;
    lines.reserve(failures.size());
    for (const auto& failure : failures) lines.push_back(failure.capability + ": " + failure.error.describe());
    details->set("policy.capability_errors", stringArray(lines));
  }
  common::log::info("policy: applied \"" + policy.name + "\" version " + std::to_string(policy.version) + " (" +
                    source + ", sha256 " + sha256 + ")");
  spool(events_.make("policy.applied", failures.empty() ? common::Severity::Info : common::Severity::Medium, details));
  emit statusChanged();
}

void PolicySync::reportRejection(const std::string& envelope, const policy::PolicyRejection& rejection) {
  status_.error = rejection.describe();
  const std::string key = common::sha256Hex(envelope);
  if (key == lastRejected_) return;  // the same refused envelope again: reported already
  lastRejected_ = key;
  auto details = makeDetails();
  details->set("policy.reason", std::string(policy::rejectReasonName(rejection.reason)));
  // What the refused document claims (unverified when the signature is the problem).
  if (auto parsed = policy::parseSignedPolicyEnvelope(envelope)) {
    details->set("policy.sha256", common::sha256Hex(parsed.value().document));
    if (auto document = policy::parsePolicy(parsed.value().document); document.ok()) {
      details->set("policy.version", document.policy->version);
      details->set("policy.group", document.policy->group);
    }
  }
  details->set("policy.applied_version", current_.version);
  std::vector<std::string> errors;
  errors.reserve(rejection.errors.size());
  for (const auto& error : rejection.errors) errors.push_back(error.describe());
  details->set("policy.errors", stringArray(errors));
  details->set("error.message", rejection.describe());
  const bool forged =
      rejection.reason == policy::RejectReason::kBadSignature || rejection.reason == policy::RejectReason::kUnknownKey;
  common::log::warning("policy: refused a policy from the collector (" + rejection.describe() + "); keeping version " +
                       std::to_string(current_.version));
  spool(events_.make("policy.rejected", forged ? common::Severity::High : common::Severity::Medium, details));
  emit statusChanged();
}

void PolicySync::reportFallback(const PolicyFileProblem& problem, const std::string& fallbackTo) {
  auto details = makeDetails();
  details->set("policy.file", problem.file);
  details->set("policy.fallback_to", fallbackTo);
  details->set("error.message", problem.error);
  common::log::warning("policy: cannot use " + problem.file + " (" + problem.error + "); falling back to " +
                       fallbackTo);
  spool(events_.make("policy.fallback", common::Severity::High, details));
}

void PolicySync::scheduleNextPoll() {
  if (stopped_) return;
  const auto interval = static_cast<double>(std::max<std::int64_t>(current_.reporting.policyPollIntervalMs, 100));
  nextPollMs_ = static_cast<std::int64_t>(interval * std::clamp(jitter_(), 0.9, 1.1));
  timer_.start(static_cast<int>(std::clamp<std::int64_t>(nextPollMs_, 1, INT_MAX)));
}

void PolicySync::spool(common::Event event) {
  if (auto appended = spool_.append({std::move(event)}); !appended) {
    common::log::error("policy: cannot spool the event: " + appended.error().describe());
    return;
  }
  emit eventsSpooled();
}

}  // namespace mamori::agent
