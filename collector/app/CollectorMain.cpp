#include "collector/app/CollectorMain.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <filesystem>

#include "collector/report/ReportRender.h"
#include "collector/report/ReportScheduler.h"
#include "collector/server/CollectorServer.h"
#include "collector/siem/SiemService.h"
#include "collector/state/StateFiles.h"
#include "collector/store/AuditCheckpointer.h"
#include "collector/store/DbUrl.h"
#include "collector/store/HeartbeatBatcher.h"
#include "collector/store/RetentionScheduler.h"
#include "collector/tls/SelfSignedCert.h"
#include "common/Crypto.h"
#include "common/Files.h"
#include "common/KeyFiles.h"
#include "common/LocalTime.h"
#include "common/Log.h"
#include "fingerprint/FingerprintKey.h"

namespace mamori::collector::app {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

int fail(int code, const common::Error& error) {
  common::log::error(error.describe());
  return code;
}

// An explicitly named secret file must exist; the default one is generated on first start.
common::Result<std::string> secretHash(const std::string& explicitFile, const std::string& defaultFile,
                                       const char* what, bool& usage) {
  usage = false;
  if (!explicitFile.empty()) {
    auto secret = state::readSecret(explicitFile);
    if (!secret) {
      usage = true;
      return secret.error();
    }
    return common::sha256Hex(secret.value());
  }
  bool created = false;
  auto secret = state::loadOrCreateSecret(defaultFile, created);
  if (!secret) return secret.error();
  if (created)
    common::log::info(std::string("generated a new ") + what + " in " + defaultFile + " (mode 0600)");
  else
    common::log::info(std::string(what) + ": " + defaultFile);
  return common::sha256Hex(secret.value());
}

// The policy signing key: an explicitly named file must exist (usage error otherwise); the default
// one is generated on first start. Two collectors sharing a state directory may race to create it:
// the loser of the O_EXCL create loads the winner's key.
common::Result<common::SigningKey> policySigningKey(const std::string& explicitFile, const std::string& defaultFile,
                                                    bool& usage) {
  usage = false;
  if (!explicitFile.empty()) {
    auto key = common::loadPrivateKey(explicitFile);
    if (!key) usage = true;
    return key;
  }
  if (common::fileExists(defaultFile)) return common::loadPrivateKey(defaultFile);
  auto generated = common::SigningKey::generate();
  if (!generated) return generated.error();
  if (auto saved = common::savePrivateKey(generated.value(), defaultFile); !saved) {
    if (common::fileExists(defaultFile)) return common::loadPrivateKey(defaultFile);
    return saved.error();
  }
  common::log::info("generated a new policy signing key in " + defaultFile + " (mode 0600, key id " +
                    generated.value().keyId() + ")");
  return generated;
}

// The fleet's fingerprint key (docs/decisions/0032): <state>/fingerprint.key, made on first start.
// Collectors of one fleet share the file like the policy signing key (docs/install.md "A fleet").
common::Result<fingerprint::FingerprintKey> fingerprintKey(const std::string& file) {
  if (common::fileExists(file)) {
    auto text = common::readSmallFile(file, 4096);
    if (!text) return text.error();
    std::string trimmed = text.value();
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
    auto key = fingerprint::FingerprintKey::fromText(trimmed);
    if (!key) return common::makeError(common::ErrorKind::kCorrupt, key.error().message, file);
    return key;
  }
  auto generated = fingerprint::FingerprintKey::generate();
  if (!generated) return generated.error();
  if (auto saved = common::writeFileAtomically(file, generated.value().text() + "\n", 0600); !saved)
    return saved.error();
  common::log::info("generated a new fingerprint key in " + file + " (mode 0600, key id " + generated.value().keyId() +
                    ")");
  return generated;
}

// The web console's files: the named directory (must exist), else console-dist beside the binary
// (the build puts it there), else ../share/mamori/console (an installed package); "" = not served.
common::Result<std::string> consoleDirectory(const std::string& explicitDir, bool& usage) {
  std::error_code error;
  usage = false;
  if (!explicitDir.empty()) {
    if (!std::filesystem::is_directory(explicitDir, error)) {
      usage = true;
      return common::makeError("not a directory", "--console-dir " + explicitDir);
    }
    return explicitDir;
  }
  const auto binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::string();
  for (const auto& candidate :
       {binary.parent_path() / "console-dist", binary.parent_path() / "../share/mamori/console"}) {
    if (std::filesystem::is_regular_file(candidate / "index.html", error)) return candidate.lexically_normal().string();
  }
  return std::string();
}

std::string hostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

}  // namespace

int runCollector(const CollectorOptions& options) {
  common::log::Level level{};
  common::log::parseLevel(options.logLevel, level);
  common::log::setLevel(level);

  auto target = store::parseDbUrl(options.db);
  if (!target) return fail(kExitUsage, target.error());
  if (auto made = common::makeDirectories(options.stateDir); !made) return fail(kExitRuntime, made.error());

  bool usage = false;
  auto enrollHash = secretHash(options.enrollSecretFile, options.stateDir + "/enroll.secret", "enroll secret", usage);
  if (!enrollHash) return fail(usage ? kExitUsage : kExitRuntime, enrollHash.error());
  auto adminHash = secretHash(options.adminTokenFile, options.stateDir + "/admin.token", "admin token", usage);
  if (!adminHash) return fail(usage ? kExitUsage : kExitRuntime, adminHash.error());

  auto policyKey = policySigningKey(options.policyKeyFile, options.stateDir + "/policy-signing.key", usage);
  if (!policyKey) return fail(usage ? kExitUsage : kExitRuntime, policyKey.error());
  common::log::info("policy signing key id " + policyKey.value().keyId());
  auto fleetFingerprintKey = fingerprintKey(options.stateDir + "/fingerprint.key");
  if (!fleetFingerprintKey) return fail(kExitRuntime, fleetFingerprintKey.error());

  server::ServerConfig config;
  config.host = options.listenHost;
  config.port = options.listenPort;
  config.threads = options.threads;
  config.limits = options.limits;
  config.proxySources = options.proxySources;
  config.certFile = options.certFile;
  config.keyFile = options.keyFile;
  if (config.certFile.empty()) {
    std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
    const std::string host = hostName();
    if (!host.empty() && tls::isValidCertName(host) && host != "localhost") names.push_back(host);
    for (const auto& name : options.certNames) names.push_back(name);
    const std::string dir = options.stateDir + "/tls";
    bool created = false;
    if (auto made = tls::ensureCertificate(dir, names, created); !made) return fail(kExitRuntime, made.error());
    config.certFile = dir + "/collector.crt";
    config.keyFile = dir + "/collector.key";
    common::log::info(std::string(created ? "generated a self-signed certificate " : "certificate: ") +
                      config.certFile + " (agents and mamorictl use it as their CA file)");
  }

  // Read before anything starts: a broken SIEM config is a usage error, not a silent gap in the SOC.
  siem::SiemConfig siemConfig;
  if (!options.siemConfigFile.empty()) {
    auto loaded = siem::loadSiemConfig(options.siemConfigFile);
    if (!loaded) return fail(kExitUsage, loaded.error());
    siemConfig = std::move(loaded).value();
  }

  store::StoreOptions storeOptions;
  storeOptions.maxSessions = static_cast<std::size_t>(options.threads) + 2;
  auto store = store::openEventStore(options.db, storeOptions);
  if (!store) return fail(kExitRuntime, store.error());
  common::log::info("database: " + target.value().display);

  // Signals are taken synchronously by this thread (sigwait below); every thread started from
  // here on inherits the blocked mask, so no handler thread is interrupted.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the collector

  server::Metrics metrics;
  common::SystemClock clock;
  std::unique_ptr<siem::SiemService> siemService;
  if (!siemConfig.sinks.empty()) {
    const std::string owner = hostName() + ":" + std::to_string(::getpid()) + ":" + common::randomHex(4);
    auto started = siem::SiemService::start(siemConfig, target.value(), owner, clock);
    if (!started) return fail(kExitUsage, started.error());
    siemService = std::move(started).value();
    common::log::info("SIEM export: " + std::to_string(siemConfig.sinks.size()) + " sink(s) from " +
                      options.siemConfigFile);
  }
  store::HeartbeatBatcher heartbeats(*store.value());
  heartbeats.start();
  store::RetentionSchedule schedule;
  schedule.interval = std::chrono::milliseconds(options.retentionIntervalMs);
  schedule.firstDelay = std::min(schedule.firstDelay, schedule.interval);
  store::RetentionScheduler retention(*store.value(), options.retention, clock, schedule);
  retention.start();
  common::log::info("retention: " + options.retention.describe() + ", checked every " +
                    std::to_string(options.retentionIntervalMs / 1000) + " s");
  metrics.setExtraSource([siem = siemService.get(), &heartbeats, &retention] {
    return heartbeats.renderMetrics() + retention.renderMetrics() + (siem != nullptr ? siem->renderMetrics() : "");
  });
  server::ApiConfig apiConfig{enrollHash.value(), adminHash.value(), options.maxBodyBytes,
                              std::make_shared<const common::SigningKey>(std::move(policyKey).value())};
  store::AuditCheckpointer checkpoints(*store.value(), apiConfig.policyKey, clock,
                                       std::chrono::milliseconds(options.auditCheckpointIntervalMs));
  checkpoints.start();
  auto consoleDir = consoleDirectory(options.consoleDir, usage);
  if (!consoleDir) return fail(usage ? kExitUsage : kExitRuntime, consoleDir.error());
  apiConfig.consoleDir = consoleDir.value();
  apiConfig.heartbeats = &heartbeats;
  apiConfig.fingerprintKey =
      std::make_shared<const fingerprint::FingerprintKey>(std::move(fleetFingerprintKey).value());
  apiConfig.retryAfter = options.retryAfter;
  common::log::info(apiConfig.consoleDir.empty() ? std::string("web console: not built, not served (docs/console.md)")
                                                 : "web console: " + apiConfig.consoleDir);
  std::unique_ptr<report::ReportScheduler> reports;
  if (options.reportsDir != "off") {
    report::ReportSchedule reportSchedule;
    reportSchedule.dir = options.reportsDir.empty() ? options.stateDir + "/reports" : options.reportsDir;
    reportSchedule.offsetMs =
        std::int64_t{options.reportOffsetMinutes.value_or(common::localUtcOffsetMinutes())} * 60'000;
    reportSchedule.keepWeeks = options.reportKeepWeeks;
    reportSchedule.generator = std::string("mamori-collector ") + MAMORI_VERSION;
    apiConfig.reportsDir = reportSchedule.dir;
    common::log::info("weekly reports: " + reportSchedule.dir + " (weeks start Monday 00:00 " +
                      report::offsetLabel(reportSchedule.offsetMs) + ")");
    reports = std::make_unique<report::ReportScheduler>(*store.value(), clock, std::move(reportSchedule));
    reports->start();
  }
  server::CollectorApi api(*store.value(), metrics, clock, apiConfig);
  auto server = server::CollectorServer::start(config, api);
  if (!server) return fail(kExitRuntime, server.error());
  const unsigned short port = server.value()->port();

  if (!options.portFile.empty()) {
    if (auto written = common::writeFileAtomically(options.portFile, std::to_string(port) + "\n", 0644); !written) {
      server.value()->stop();
      return fail(kExitRuntime, written.error());
    }
  }
  const std::string shownHost =
      options.listenHost.find(':') != std::string::npos ? "[" + options.listenHost + "]" : options.listenHost;
  common::log::info("mamori-collector: listening on https://" + shownHost + ":" + std::to_string(port) + " (" +
                    std::to_string(options.threads) + " workers, at most " +
                    std::to_string(server.value()->maxConnections()) + " connections)");

  int signalNumber = 0;
  while (sigwait(&stopSignals, &signalNumber) != 0) {
  }
  common::log::info(std::string("received ") + (signalNumber == SIGTERM ? "SIGTERM" : "SIGINT") +
                    ", finishing requests in progress");
  server.value()->stop();
  server.value().reset();
  retention.stop();
  if (reports) reports->stop();
  checkpoints.stop();
  heartbeats.stop();  // writes the heartbeats still pending
  if (siemService) siemService->stop();
  store.value().reset();
  common::log::info("stopped");
  return kExitOk;
}

}  // namespace mamori::collector::app
