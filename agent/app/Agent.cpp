#include "agent/app/Agent.h"

#include <fcntl.h>
#include <unistd.h>

#include <QCoreApplication>

#include <cerrno>
#include <sys/file.h>

#include "agent/app/ActivitySetup.h"
#include "agent/app/DeviceControlSetup.h"
#include "agent/app/RequestSetup.h"
#include "agent/contentscan/ContentScanCapability.h"
#include "agent/contentscan/SetSync.h"
#include "agent/guard/Integrity.h"
#include "agent/p2p/P2pGuardCapability.h"
#include "agent/report/Enrollment.h"
#include "agent/report/ReportingCapability.h"
#include "common/Crypto.h"
#include "common/Files.h"
#include "common/Log.h"
#include "policy/PolicyLoader.h"

namespace mamori::agent {

namespace {
constexpr const char* kVersion = MAMORI_VERSION;
// The packaged unit and an administrator's copy of it: a change to either is reported (agent.modified).
constexpr const char* kUnitFile = "/lib/systemd/system/mamori-agent.service";
constexpr const char* kUnitOverride = "/etc/systemd/system/mamori-agent.service";

// Queued: quit() before exec() runs would be lost. By name, so no slot object is allocated here.
void quitSoon() { QMetaObject::invokeMethod(QCoreApplication::instance(), "quit", Qt::QueuedConnection); }

int fail(int code, const std::string& message) {
  common::log::error(message);
  return code;
}
}  // namespace

Agent::Agent(AgentOptions options, AgentDrivers drivers)
    : options_(std::move(options)), drivers_(std::move(drivers)), reporting_(effectiveReporting(options_)) {}

Agent::~Agent() = default;

int Agent::setUpIdentity() {
  const std::string path = options_.stateDir + "/identity.json";
  auto loaded = IdentityStore::load(path, clock_.nowMs());
  if (!loaded) {
    return fail(kExitRuntime, "cannot read the agent identity: " + loaded.error().describe() +
                                  " (move the file away to start as a new agent)");
  }
  identity_ = std::make_unique<IdentityStore>(std::move(loaded).value());
  Identity wanted = identity_->identity();
  if (!options_.collectorUrl.empty()) wanted.collectorUrl = options_.collectorUrl;
  if (!options_.caFile.empty()) wanted.caFile = options_.caFile;
  // --group counts until the agent has enrolled; afterwards the collector decides (mamorictl agents set-group).
  if (!options_.group.empty() && wanted.nodeKey.empty()) wanted.group = options_.group;
  if (wanted.collectorUrl.empty()) {
    return fail(kExitUsage,
                "no collector known: pass --collector https://host:port (it is remembered in " + path + ")");
  }
  if (!wanted.caFile.empty() && !common::fileExists(wanted.caFile)) {
    return fail(kExitUsage, "the CA file " + wanted.caFile + " does not exist (--ca-file)");
  }
  const Identity& current = identity_->identity();
  if (identity_->created() || wanted.collectorUrl != current.collectorUrl || wanted.caFile != current.caFile ||
      wanted.group != current.group) {
    if (auto saved = identity_->save(wanted); !saved) {
      return fail(kExitRuntime, "cannot save the agent identity: " + saved.error().describe());
    }
  }
  if (identity_->created()) common::log::info("new agent identity " + wanted.agentId + " saved in " + path);
  return kRunning;
}

int Agent::start() {
  facts_ = drivers_.system->machineFacts();
  if (auto made = common::makeDirectories(options_.stateDir); !made) {
    return fail(kExitRuntime, "state directory: " + made.error().describe());
  }
  const std::string lockPath = options_.stateDir + "/agent.lock";
  lock_.reset(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock_.valid()) return fail(kExitRuntime, common::makeError("cannot open", lockPath, errno).describe());
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    return fail(kExitRuntime, "another mamori-agent is running with the state directory " + options_.stateDir);
  }
  if (int code = setUpIdentity(); code != kRunning) return code;
  if (!options_.enrollSecretFile.empty()) {
    if (auto secret = readEnrollSecret(options_.enrollSecretFile); !secret) {
      return fail(kExitUsage, "--enroll-secret-file: " + secret.error().describe());
    }
  }
  const Identity& identity = identity_->identity();
  common::net::HttpsClientOptions http;
  http.baseUrl = identity.collectorUrl;
  http.caFile = identity.caFile;
  http.timeoutMs = 15'000;
  auto transport = drivers_.openTransport(http);
  if (!transport) return fail(kExitUsage, "collector: " + transport.error().describe());
  transport_ = std::move(transport).value();

  events_ = std::make_unique<EventFactory>(identity.agentId, facts_.hostName, clock_);
  SpoolLimits limits;
  limits.maxEvents = reporting_.spoolMaxEvents;
  limits.maxBytes = reporting_.spoolMaxBytes;
  auto spool = Spool::open(options_.stateDir + "/spool.db", limits, *events_);
  if (!spool) return fail(kExitRuntime, "spool: " + spool.error().describe());
  spool_ = std::move(spool).value();

  scheduler_ = std::make_unique<RetryScheduler>(common::BackoffSettings{reporting_.retryBaseMs, reporting_.retryCapMs});
  UploaderSettings upload;
  upload.batchMaxEvents = reporting_.batchMaxEvents;
  upload.batchMaxBytes = reporting_.batchMaxBytes;
  upload.enrollSecretFile = options_.enrollSecretFile;
  upload.enrollFacts = {identity.agentId, facts_.hostName, facts_.osName, kVersion, identity.group};
  uploader_ = std::make_unique<Uploader>(*spool_, *transport_, *scheduler_, *identity_, upload);
  heartbeat_ = std::make_unique<Heartbeat>(*transport_, *identity_, *spool_, *events_,
                                           HeartbeatFacts{kVersion, facts_.osName, facts_.kernel},
                                           reporting_.heartbeatIntervalMs);
  // Every capability reports through this one sink (stamp, user, journal line, spool, upload).
  sink_ = std::make_unique<SpoolingEventSink>(*events_, *spool_, *uploader_);
  // What the person at the PC should hear about (a device blocked, a program stopped) is also shown on
  // their desktop, unless --desktop-notices off.
  EventSink* capabilitySink = sink_.get();
  if (options_.desktopNotices != "off") {
    noticeSink_ = std::make_unique<NotifyingEventSink>(*capabilitySink, *drivers_.notifier);
    capabilitySink = noticeSink_.get();
  }
  synthetic_ = std::make_unique<SyntheticEmitter>(*spool_, *events_, options_.emitSynthetic);

  // Capabilities, in apply order; the policy sync applies the policy in force to each at start.
  addCapability(std::make_unique<ReportingCapability>(
      *spool_, *uploader_, *heartbeat_, *scheduler_,
      [this](policy::ReportingSettings settings) { return effectiveReporting(options_, settings); }));
  // --policy FILE: read now so a bad file stops the start; applied once the policy sync has started.
  std::optional<policy::Policy> localPolicy;
  if (!options_.policyFile.empty()) {
    auto loaded = policy::loadPolicyFile(options_.policyFile);
    if (!loaded.ok()) return fail(kExitUsage, "--policy " + options_.policyFile + ":\n" + loaded.describe());
    localPolicy = std::move(loaded.policy);
  }
  // Device control (USB), unless --device-control off.
  if (options_.deviceControl != "off") {
    auto device = makeDeviceControl(
        drivers_.devices, options_.stateDir, *capabilitySink,
        device::ExceptionSettings{identity.agentId, options_.stateDir + "/exceptions",
                                  options_.stateDir + "/policy-key.pem", [this] { return clock_.nowMs(); },
                                  options_.stateDir + "/exceptions-state.json"});
    if (!options_.requestSocket.empty()) {
      // Employees ask for a blocked device through this socket; the answers come with the policy poll.
      requests_ = std::make_unique<RequestSetup>(options_.requestSocket, drivers_.peerUser, *transport_, *identity_,
                                                 facts_.hostName, *capabilitySink, *device,
                                                 options_.stateDir + "/exception-requests.json");
    }
    addCapability(std::move(device));  // the policy sync applies the policy in force at its start
  }
  // Content scanning: scheduled passes over content_scan.paths, incremental through a cache in the state dir.
  // Files are parsed by confined mamori-extract workers, never in the agent (docs/decisions/0022).
  const auto& sandbox = drivers_.extraction;
  // The fingerprint and exact-data-match sets the policy names, fetched from the collector and kept in
  // the state directory (docs/decisions/0035); applied before the capabilities that scan with them,
  // and a newer set re-applies the policy to those two.
  auto sets = std::make_shared<contentscan::ContentSets>();
  auto setSync = std::make_unique<contentscan::SetSync>(
      *transport_, *identity_, *capabilitySink, sets, options_.stateDir, [this](const policy::Policy& policy) {
        for (Capability* scanner : setUsers_) {
          if (auto ok = scanner->apply(policy); !ok) common::log::error(scanner->name() + ": " + ok.error().describe());
        }
      });
  // Which set versions are in use (or refused) reaches the collector with the heartbeat.
  setSync->setStatusListener(
      [this](std::vector<ContentSetStatus> status) { heartbeat_->setContentSets(std::move(status)); });
  addCapability(std::move(setSync));
  auto contentScan = std::make_unique<contentscan::ContentScanCapability>(
      options_.stateDir, *capabilitySink, [&homes = *drivers_.homes] { return homes.list(); });
  contentScan->setExtractionSandbox(sandbox);
  contentScan->setContentSets(sets);
  setUsers_.push_back(&addCapability(std::move(contentScan)));
  // Activity monitoring (docs/decisions/0010): removable and cloud-sync copies, bulk reads, archives,
  // print jobs, incidents; also the content scanner's on-change scans. Evidence names events by id.
  setUsers_.push_back(&addCapability(makeActivity(*drivers_.activity, *drivers_.homes, *drivers_.printSpooler,
                                                  *capabilitySink, clock_, sandbox, sets, options_.stateDir)));
  // P2P guard: file-sharing software recognised at exec and stopped, unless --p2p-guard off.
  if (options_.p2pGuard != "off") {
    auto guard = p2p::P2pGuardCapability::create(drivers_.p2p(options_.p2pScope), options_.p2pScope, *capabilitySink);
    if (!guard) return fail(kExitUsage, guard.error().describe());
    addCapability(std::move(guard).value());
  }
  policySync_ = std::make_unique<PolicySync>(*transport_, *identity_, *spool_, *events_, capabilities_,
                                             options_.stateDir, clock_);
  connect(policySync_.get(), &PolicySync::eventsSpooled, uploader_.get(), &Uploader::kick);
  if (requests_) {
    connect(policySync_.get(), &PolicySync::exceptionAnswers, this,
            [this](const std::string& answers) { requests_->onAnswers(answers); });
    if (auto listening = requests_->start(); !listening) {
      // The PC stays protected and the offline codes work; only `mamori-agent request` is unavailable.
      common::log::error("request socket: " + listening.error().describe() +
                         " (mamori-agent request will not reach this agent)");
    }
  }
  connect(policySync_.get(), &PolicySync::statusChanged, this,
          [this] { heartbeat_->setPolicyStatus(policySync_->status()); });
  connect(uploader_.get(), &Uploader::enrolled, this,
          [this] { policySync_->onEnrolled(uploader_->lastEnrollAnswer()); });

  connect(uploader_.get(), &Uploader::enrolled, heartbeat_.get(), &Heartbeat::sendNow);
  connect(uploader_.get(), &Uploader::drained, this, &Agent::checkDrained);
  connect(synthetic_.get(), &SyntheticEmitter::chunkSpooled, uploader_.get(), &Uploader::kick);
  connect(synthetic_.get(), &SyntheticEmitter::finished, this, [this] {
    syntheticDone_ = true;
    checkDrained();
  });

  if (int code = setUpGuard(); code != kRunning) return code;
  if (auto started = spool_->append({lifecycleEvent("agent.started")}); !started) {
    return fail(kExitRuntime, "spool: " + started.error().describe());
  }
  reportPreviousRun();
  common::log::info("started: agent " + identity.agentId + ", collector " + identity.collectorUrl + ", state " +
                    options_.stateDir + ", " + std::to_string(spool_->eventCount()) + " events spooled");
  if (localPolicy) {
    auto text = common::readSmallFile(options_.policyFile);  // read once more for its digest only
    policySync_->setLocalPolicy(std::move(*localPolicy), options_.policyFile,
                                text ? common::sha256Hex(text.value()) : std::string());
  }
  if (auto synced = policySync_->start(); !synced) {
    return fail(kExitRuntime,
                "policy: " + synced.error().describe() + " (move the file away to pin again at the next enrollment)");
  }
  uploader_->kick();
  heartbeat_->start();
  heartbeat_->sendNow();
  synthetic_->start();
  guard_->ready();
  return kRunning;
}

int Agent::setUpGuard() {
  guard::ServiceGuardSettings settings;
  settings.controlSocket =
      options_.controlSocket.empty() ? options_.stateDir + "/control.sock" : options_.controlSocket;
  settings.tokenHashFile = options_.tokenHashFile;
  settings.exceptionInbox = options_.deviceControl != "off" ? options_.stateDir + "/exceptions" : "";
  settings.limitWindowMs = options_.limitWindowMs;
  settings.nowMs = [this] { return clock_.nowMs(); };
  auto guard = std::make_unique<guard::ServiceGuard>(
      settings, *drivers_.processUsage, *sink_, [this](int code, const std::string& why) { requestStop(code, why); },
      drivers_.notifyService, drivers_.watchdogMs);
  if (auto started = guard->start(); !started) {
    // The PC stays protected; only `mamori-agent ctl` is unavailable (the prerm then checks the
    // token itself).
    common::log::error("control socket: " + started.error().describe() +
                       " (mamori-agent ctl will not reach this agent)");
  }
  guard_ = guard.get();
  addCapability(std::move(guard));  // agent_limits come with every policy
  return kRunning;
}

// What happened since the last run: an unclean end (no clean stop removed the marker) and changes to
// the binary, the unit or the configuration.
void Agent::reportPreviousRun() {
  runMarker_ = std::make_unique<guard::RunMarker>(options_.stateDir);
  auto previous = runMarker_->markRunning(::getpid(), clock_.nowMs());
  if (!previous) {
    common::log::error("run marker: " + previous.error().describe());
  } else if (previous.value()) {
    auto details = makeDetails();
    details->set("previous.pid", previous.value()->pid);
    if (previous.value()->startedMs > 0) {
      details->set("previous.started_at", common::formatUtcMs(previous.value()->startedMs));
    }
    details->set("agent.version", std::string(kVersion));
    sink_->report("agent.unclean_stop", common::Severity::High, details);
    common::log::warning("the previous run (pid " + std::to_string(previous.value()->pid) +
                         ") ended without a clean stop");
  }
  std::vector<guard::WatchedFile> watched = {{"binary", "/proc/self/exe"},
                                             {"unit", kUnitFile},
                                             {"unit_override", kUnitOverride},
                                             {"token_hash", options_.tokenHashFile}};
  if (!options_.configFile.empty()) watched.push_back({"config", options_.configFile});
  auto changes = guard::checkIntegrity(options_.stateDir + "/integrity", watched, drivers_.hashFile);
  if (!changes) {
    common::log::error("integrity check: " + changes.error().describe());
    return;
  }
  for (const auto& change : changes.value()) {
    auto details = makeDetails();
    details->set("file.role", change.name);
    details->set("file.path", change.path);
    details->set("file.sha256_before", change.before);
    details->set("file.sha256", change.after);
    details->set("agent.version", std::string(kVersion));
    sink_->report("agent.modified", common::Severity::High, details);
    common::log::warning("changed since the last run: " + change.name + " " + change.path);
  }
}

common::Event Agent::lifecycleEvent(const char* type) {
  auto details = makeDetails();
  details->set("agent.version", std::string(kVersion));
  details->set("host.os.name", facts_.osName);
  details->set("host.os.kernel", facts_.kernel);
  details->set("agent.state_dir", options_.stateDir);
  details->set("process.pid", static_cast<std::int64_t>(::getpid()));
  return events_->make(type, common::Severity::Info, details);
}

void Agent::checkDrained() {
  if (!options_.exitWhenDrained || !syntheticDone_ || stopping_) return;
  if (spool_->eventCount() == 0 && uploader_->idle()) requestStop(kExitOk, "spool drained");
}

void Agent::requestStop(int exitCode, const std::string& why) {
  if (stopping_) {
    common::log::info("already stopping (" + why + ")");
    return;
  }
  stopping_ = true;
  exitCode_ = exitCode;
  common::log::info("stopping: " + why);
  if (guard_ != nullptr) guard_->stopping();
  if (!spool_) {
    quitSoon();
    return;
  }
  synthetic_->stop();
  heartbeat_->stop();
  if (policySync_) policySync_->stop();
  if (auto stopped = spool_->append({lifecycleEvent("agent.stopped")}); !stopped) {
    common::log::error("spool: " + stopped.error().describe());
  }
  uploader_->finish(kStopGraceMs, [] { quitSoon(); });
}

bool Agent::close() {
  bool clean = true;
  if (transport_) clean = transport_->stop(kTransportGraceMs);
  // Order: nothing may call into the spool once it is gone.
  synthetic_.reset();
  requests_.reset();
  policySync_.reset();
  heartbeat_.reset();
  uploader_.reset();
  scheduler_.reset();
  if (spool_) {
    common::log::info("stopped: " + std::to_string(spool_->eventCount()) + " events left in the spool");
    spool_.reset();
  }
  // A clean stop: the next start does not report agent.unclean_stop.
  if (runMarker_) {
    if (auto cleared = runMarker_->clear(); !cleared) common::log::error("run marker: " + cleared.error().describe());
  }
  return clean;
}

}  // namespace mamori::agent
