#include "agent/contentscan/SetSync.h"

#include <Poco/JSON/Object.h>

#include <algorithm>

#include "common/Crypto.h"
#include "common/Files.h"
#include "common/KeyFiles.h"
#include "common/Log.h"
#include "fingerprint/ArtifactFields.h"
#include "fingerprint/FingerprintArtifact.h"
#include "fingerprint/SignedSet.h"

namespace mamori::agent::contentscan {

namespace {

constexpr std::int64_t kRetryBaseMs = 5'000;
constexpr std::int64_t kRetryCapMs = std::int64_t{10} * 60'000;

std::string routeOf(SetKind kind) {
  return kind == SetKind::kEdm ? "/api/v1/edm-artifacts/" : "/api/v1/fingerprint-artifacts/";
}

// The version a set file's header claims, unverified (0 when it has no readable header): only to ask
// the collector for versions above a refused one.
std::int64_t claimedVersion(SetKind kind, std::string_view file) {
  auto parts = fingerprint::splitSignedSet(file);
  if (!parts) return 0;
  auto header = fingerprint::artifact::readSetHeader(
      file.substr(0, parts.value().artifactBytes),
      kind == SetKind::kEdm ? fingerprint::artifact::Kind::kEdm : fingerprint::artifact::Kind::kFingerprints,
      fingerprint::ArtifactLimits{}.maxBytes, setKindName(kind));
  return header ? header.value().version : 0;
}

std::string keyOf(SetKind kind, const std::string& name) { return std::string(setKindName(kind)) + "/" + name; }

std::string refusedPath(const std::string& stateDir) { return stateDir + "/content-sets/refused.json"; }

}  // namespace

SetSync::SetSync(Transport& transport, IdentityStore& identity, EventSink& sink, std::shared_ptr<ContentSets> sets,
                 std::string stateDir, Changed onChanged)
    : transport_(transport),
      identity_(identity),
      sink_(sink),
      sets_(std::move(sets)),
      stateDir_(std::move(stateDir)),
      onChanged_(std::move(onChanged)),
      retry_(common::BackoffSettings{kRetryBaseMs, kRetryCapMs}) {
  QObject::connect(&timer_, &QTimer::timeout, &context_, [this] { checkNow(); });
  // What was refused before a restart stays refused (and reported) until the collector has another file.
  const std::string path = refusedPath(stateDir_);
  if (!common::fileExists(path)) return;
  auto text = common::readSmallFile(path, kMaxRefusedFileBytes);
  auto parsed = text ? parseRefusedSets(text.value()) : common::Result<RefusedSets>(text.error());
  if (!parsed) {
    common::log::warning("content sets: " + path + " is not used: " + parsed.error().describe());
    return;
  }
  refused_ = std::move(parsed).value();
  for (const auto& [key, refused] : refused_) {
    reported_.insert(refused.sha256);
    auto& status = status_[key];
    status.refusedVersion = refused.version;
    status.error = refused.error;
  }
}

std::string SetSync::setPath(const std::string& stateDir, SetKind kind, const std::string& name) {
  return stateDir + "/content-sets/" + setKindName(kind) + "-" + name + ".set";
}

common::Status SetSync::apply(const policy::Policy& policy) {
  policy_ = policy;
  wanted_.clear();
  if (policy.contentScan.mode != policy::Mode::kOff) {
    for (const auto& ref : policy.contentScan.fingerprints) wanted_.push_back({SetKind::kFingerprints, ref.set});
    for (const auto& ref : policy.contentScan.edm) wanted_.push_back({SetKind::kEdm, ref.set});
  }
  applying_ = true;
  for (const auto& wanted : wanted_) {
    if (sets_->version(wanted.kind, wanted.name) == 0) loadPersisted(wanted);
  }
  applying_ = false;
  publishStatus();
  if (wanted_.empty()) {
    timer_.stop();
    retry_.cancel();
    return common::Ok{};
  }
  timer_.start(static_cast<int>(policy.reporting.policyPollIntervalMs));
  checkNow();
  return common::Ok{};
}

void SetSync::loadPersisted(const Wanted& wanted) {
  const std::string path = setPath(stateDir_, wanted.kind, wanted.name);
  if (!common::fileExists(path)) return;
  auto bytes = scan::readSetFile(path);
  if (!bytes) {
    common::log::warning("content sets: " + bytes.error().describe());
    return;
  }
  if (auto installed = install(wanted, bytes.value(), false); !installed) {
    // Not used; the collector's copy replaces it at the next fetch.
    common::log::warning("content sets: the kept copy of " + std::string(setKindName(wanted.kind)) + " set " +
                         wanted.name + " is refused: " + installed.error().describe());
    reportRejected(wanted, installed.error(), *bytes.value());
  }
}

void SetSync::checkNow() {
  if (inFlight_ || !queue_.empty()) return;
  if (identity_.identity().nodeKey.empty()) return;  // not enrolled yet: the next poll asks
  retry_.cancel();
  queue_.assign(wanted_.begin(), wanted_.end());
  fetchNext();
}

void SetSync::fetchNext() {
  if (inFlight_ || queue_.empty()) return;
  const Wanted wanted = queue_.front();
  TransportRequest request;
  request.method = "GET";
  // Above a version refused before too: a refused set (tens of MiB) is not downloaded again at every
  // poll; the next newer version is.
  const auto refused = refused_.find(keyOf(wanted.kind, wanted.name));
  const std::int64_t after = std::max(sets_->version(wanted.kind, wanted.name),
                                      refused == refused_.end() ? std::int64_t{0} : refused->second.version);
  request.path = routeOf(wanted.kind) + wanted.name + "?after=" + std::to_string(after);
  request.headers = {{"Authorization", "Bearer " + identity_.identity().nodeKey}};
  // The same file again (a version the agent could not read, or a collector that serves the refused
  // one under a higher number) is answered 304 by its tag.
  if (refused != refused_.end() && !refused->second.etag.empty())
    request.headers.emplace_back("If-None-Match", refused->second.etag);
  inFlight_ = true;
  transport_.post(std::move(request), [this, wanted](TransportResult result) { onAnswer(wanted, std::move(result)); });
}

void SetSync::onAnswer(const Wanted& wanted, TransportResult result) {
  inFlight_ = false;
  const int status = result ? result.value().status : 0;
  if (!queue_.empty()) queue_.pop_front();
  if (status == 200) {
    // Moved, not copied: a large set is held once.
    auto bytes = std::make_shared<const std::string>(std::move(result.value().body));
    if (auto installed = install(wanted, bytes, true); !installed) {
      common::log::warning("content sets: " + std::string(setKindName(wanted.kind)) + " set " + wanted.name +
                           " from the collector is refused: " + installed.error().describe() + "; keeping version " +
                           std::to_string(sets_->version(wanted.kind, wanted.name)));
      reportRejected(wanted, installed.error(), *bytes);
      // Refused for what the file holds (not for a missing pinned key here): not asked for again.
      if (installed.error().kind != common::ErrorKind::kUnavailable)
        rememberRefusal(wanted, installed.error(), *bytes, result.value().etag);
      publishStatus();
    }
  } else if (status == 304) {
    // Nothing newer than the version held.
  } else if (status == 0 || status >= 500 || status == 408 || status == 429) {
    // Retried with backoff; the sets not asked yet wait for that retry.
    common::log::warning("content sets: fetching " + std::string(setKindName(wanted.kind)) + " set " + wanted.name +
                         " failed (" + (result ? "HTTP " + std::to_string(status) : result.error().describe()) +
                         "); retrying");
    queue_.clear();
    retry_.retryLater([this] { checkNow(); });
    return;
  } else {
    common::log::warning("content sets: the collector answers HTTP " + std::to_string(status) + " for " +
                         setKindName(wanted.kind) + " set " + wanted.name +
                         " (registered?); asking again at the next poll");
  }
  if (queue_.empty()) {
    retry_.reset();
    return;
  }
  fetchNext();
}

common::Result<std::int64_t> SetSync::install(const Wanted& wanted, const std::shared_ptr<const std::string>& bytes,
                                              bool fromCollector) {
  auto pinned = common::loadPublicKey(stateDir_ + "/policy-key.pem");
  if (!pinned)
    return common::makeError(common::ErrorKind::kUnavailable, "no pinned collector key: " + pinned.error().describe());
  const std::int64_t held = sets_->version(wanted.kind, wanted.name);
  std::int64_t version = 0;
  std::int64_t entries = 0;
  // Either kind: the opened set must be the one asked for; then it is in use.
  const auto take = [&](auto opened) -> common::Status {
    if (!opened) return opened.error();
    const auto& set = *opened.value().set;
    if (set.name != wanted.name)
      return common::makeError(common::ErrorKind::kCorrupt, "the file holds set " + set.name + ", not " + wanted.name);
    version = set.version;
    entries = static_cast<std::int64_t>(set.index.size());
    sets_->put(std::move(opened).value());
    return common::Ok{};
  };
  const bool allowSame = !fromCollector || held == 0;
  const auto taken = wanted.kind == SetKind::kEdm
                         ? take(scan::openEdmBundle(bytes, pinned.value(), held, allowSame))
                         : take(scan::openFingerprintBundle(bytes, pinned.value(), held, allowSame));
  if (!taken) return taken.error();
  if (fromCollector) {
    const std::string path = setPath(stateDir_, wanted.kind, wanted.name);
    auto dir = common::makeDirectories(stateDir_ + "/content-sets");
    auto written = dir ? common::writeFileAtomically(path, *bytes, 0600) : dir;
    if (!written) common::log::error("content sets: in use but not kept: " + written.error().describe());
  }
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  details->set("content.set.kind", std::string(setKindName(wanted.kind)));
  details->set("content.set.name", wanted.name);
  details->set("content.set.version", version);
  details->set("content.set.entries", entries);
  details->set("content.set.bytes", static_cast<std::int64_t>(bytes->size()));
  details->set("content.set.source", std::string(fromCollector ? "collector" : "state"));
  sink_.report("content.set_applied", common::Severity::Info, details);
  common::log::info("content sets: " + std::string(setKindName(wanted.kind)) + " set " + wanted.name + " version " +
                    std::to_string(version) + " in use (" + std::to_string(entries) + " entries, from the " +
                    (fromCollector ? "collector" : "state directory") + ")");
  auto& status = status_[keyOf(wanted.kind, wanted.name)];
  status.version = version;
  status.entries = entries;
  status.bytes = static_cast<std::int64_t>(bytes->size());
  if (fromCollector && status.refusedVersion <= version) {  // a refusal of an older file is no longer news
    status.refusedVersion = 0;
    status.error.clear();
    if (refused_.erase(keyOf(wanted.kind, wanted.name)) > 0) saveRefused();
  }
  if (onChanged_ && !applying_) onChanged_(policy_);
  if (!applying_) publishStatus();
  return version;
}

void SetSync::reportRejected(const Wanted& wanted, const common::Error& error, const std::string& bytes) {
  auto& status = status_[keyOf(wanted.kind, wanted.name)];
  status.refusedVersion = claimedVersion(wanted.kind, bytes);
  status.error = error.describe();
  if (!reported_.insert(common::sha256Hex(bytes)).second) return;
  Poco::JSON::Object::Ptr details = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  details->set("content.set.kind", std::string(setKindName(wanted.kind)));
  details->set("content.set.name", wanted.name);
  details->set("content.set.version", sets_->version(wanted.kind, wanted.name));
  details->set("error.message", error.describe());
  sink_.report("content.set_rejected", common::Severity::Medium, details);
}

void SetSync::rememberRefusal(const Wanted& wanted, const common::Error& error, const std::string& bytes,
                              const std::string& etag) {
  RefusedSet& refused = refused_[keyOf(wanted.kind, wanted.name)];
  refused.version = std::max(refused.version, claimedVersion(wanted.kind, bytes));
  refused.etag = etag;
  refused.sha256 = common::sha256Hex(bytes);
  refused.error = error.describe();
  saveRefused();
}

void SetSync::saveRefused() {
  auto dir = common::makeDirectories(stateDir_ + "/content-sets");
  auto written = dir ? common::writeFileAtomically(refusedPath(stateDir_), refusedSetsJson(refused_), 0600) : dir;
  // Not kept: after a restart the refused file is fetched (and refused) once more.
  if (!written) common::log::warning("content sets: " + written.error().describe());
}

void SetSync::setStatusListener(StatusListener listener) {
  statusListener_ = std::move(listener);
  publishStatus();
}

std::vector<ContentSetStatus> SetSync::status() const {
  std::vector<ContentSetStatus> out;
  for (const auto& wanted : wanted_) {
    const auto found = status_.find(keyOf(wanted.kind, wanted.name));
    ContentSetStatus item = found == status_.end() ? ContentSetStatus{} : found->second;
    item.kind = setKindName(wanted.kind);
    item.name = wanted.name;
    out.push_back(std::move(item));
  }
  return out;
}

void SetSync::publishStatus() {
  if (statusListener_) statusListener_(status());
}

}  // namespace mamori::agent::contentscan
