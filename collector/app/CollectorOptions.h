#pragma once
// mamori-collector's command line. Parsing is pure (a vector of strings in, options or an error
// out) so it is tested without starting anything.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/proxy/ProxySources.h"
#include "collector/server/RetryAfter.h"
#include "collector/server/ServerLimits.h"
#include "collector/store/RetentionPolicy.h"
#include "common/Result.h"

namespace mamori::collector::app {

struct CollectorOptions {
  bool help = false;
  std::string stateDir = "/var/lib/mamori-collector";
  std::string listenHost = "0.0.0.0";
  unsigned short listenPort = 8443;
  std::string portFile;
  std::string db;  // "" = sqlite:<stateDir>/collector.db
  std::string certFile;
  std::string keyFile;
  std::vector<std::string> certNames;
  std::string enrollSecretFile;
  std::string adminTokenFile;
  std::string policyKeyFile;   // "" = <stateDir>/policy-signing.key, generated on first start
  std::string siemConfigFile;  // "" = no SIEM export (docs/siem.md)
  std::string consoleDir;      // "" = console-dist beside the binary, if it exists (docs/console.md)
  int threads = 16;            // workers that answer requests
  std::size_t maxBodyBytes = std::size_t{8} * 1024 * 1024;
  server::ServerLimits limits{};  // connection limits and deadlines (docs/api.md "Limits")
  server::RetryAfterRange retryAfter{};
  proxy::ProxySources proxySources;  // --proxy-protocol-from
  std::string logLevel = "info";
  store::RetentionPolicy retention;                    // --retention-days, --retention (docs/admin.md "Retention")
  std::int64_t retentionIntervalMs = 3'600'000;        // --retention-interval
  std::int64_t auditCheckpointIntervalMs = 3'600'000;  // --audit-checkpoint-interval
  std::string reportsDir;                  // --reports-dir: "" = <stateDir>/reports, "off" = no weekly reports
  std::optional<int> reportOffsetMinutes;  // --report-utc-offset; nullopt = this machine's time zone
  int reportKeepWeeks = 104;               // --report-keep-weeks
};

common::Result<CollectorOptions> parseCollectorOptions(const std::vector<std::string>& args);

// --help: written from the same option table as the parser reads.
std::string collectorUsage();

}  // namespace mamori::collector::app
