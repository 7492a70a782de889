#include "collector/app/CollectorOptions.h"

#include <chrono>
#include <functional>
#include <map>

#include "collector/tls/SelfSignedCert.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Log.h"

namespace mamori::collector::app {

const char* const kCollectorUsage =
    "usage: mamori-collector [options]\n"
    "\n"
    "The mamori collector: enrolls agents, stores their events (SQLite or PostgreSQL) and answers\n"
    "queries over HTTPS (docs/api.md).\n"
    "\n"
    "options:\n"
    "  --state-dir DIR            state directory, created 0700 (default /var/lib/mamori-collector)\n"
    "  --listen ADDR:PORT         address to listen on (default 0.0.0.0:8443; port 0 picks a free one;\n"
    "                             IPv6 as [::]:8443)\n"
    "  --port-file FILE           once listening, write the bound port number there\n"
    "  --db URL                   sqlite:PATH (default sqlite:<state-dir>/collector.db) or\n"
    "                             postgresql://user[:password]@host[:port]/dbname or\n"
    "                             postgresql:///dbname?host=/socket/dir&port=5432\n"
    "  --cert FILE --key FILE     TLS certificate and key (PEM); without them a self-signed ECDSA\n"
    "                             certificate is made on first start in <state-dir>/tls/collector.crt;\n"
    "                             agents and mamorictl use that file as their CA file\n"
    "  --cert-name NAME           extra DNS name or IP address for the generated certificate\n"
    "                             (repeatable; localhost, 127.0.0.1, ::1 and the host name are always in)\n"
    "  --enroll-secret-file FILE  the agents' enroll secret (default <state-dir>/enroll.secret,\n"
    "                             generated on first start)\n"
    "  --admin-token-file FILE    the administrators' token (default <state-dir>/admin.token,\n"
    "                             generated on first start)\n"
    "  --policy-key-file FILE     the Ed25519 key that signs policies (default\n"
    "                             <state-dir>/policy-signing.key, generated 0600 on first start); give\n"
    "                             every collector of one fleet the same file: agents pin its public key\n"
    "  --console-dir DIR          the web console's built files (default: console-dist beside the\n"
    "                             binary, else ../share/mamori/console); docs/console.md\n"
    "  --siem-config FILE        forward events to SIEM sinks (syslog/CEF, JSON lines, HTTPS);\n"
    "                             docs/siem.md\n"
    "  --threads N                worker threads that answer requests (default 16); connections are\n"
    "                             served by the event loop and do not each take a thread\n"
    "  --max-body-bytes N         largest request body, before and after gzip inflation (default 8388608)\n"
    "  --retention-days N         keep events N days, counted from when the PC created them\n"
    "                             (default 180; 0 keeps them forever); docs/admin.md \"Retention\"\n"
    "  --retention TYPE=DAYS,...  other days for some event types: an exact type (file.read_bulk=30)\n"
    "                             or a family (content.*=365); the most specific rule wins; repeatable\n"
    "  --retention-interval TIME  how often old events are deleted (default 1h; e.g. 15m, 6h)\n"
    "  --audit-checkpoint-interval TIME  how often a checkpoint of the audit trail, signed with the\n"
    "                             policy key, is appended and sent to the SIEM (default 1h; 1s to 7d)\n"
    "  --reports-dir DIR          where last week's reports (HTML and CSV, the fleet and each group)\n"
    "                             are written every Monday (default <state-dir>/reports; off = none);\n"
    "                             docs/admin.md \"Reports\"\n"
    "  --report-utc-offset MINUTES  where report days and weeks begin, in minutes east of UTC (540 for\n"
    "                             Japan; default: this machine's time zone)\n"
    "  --report-keep-weeks N      weekly reports kept (default 104)\n"
    "\n"
    "connection limits (docs/api.md \"Limits\"; SECONDS may have decimals, e.g. 0.5):\n"
    "  --max-connections N        open connections (default 20000, lowered to the open-file limit\n"
    "                             minus 256); at the limit the oldest idle connection is closed\n"
    "  --max-connections-per-address N\n"
    "                             open connections from one client address (default 0 = no cap;\n"
    "                             leave 0 behind NAT, or behind HAProxy without --proxy-protocol-from,\n"
    "                             where many PCs share one address)\n"
    "  --handshake-timeout SECONDS  the TLS handshake must finish within this (default 10), counted\n"
    "                             from the TCP accept\n"
    "  --handshakes-per-address N TLS handshakes in progress from one client address (default 64;\n"
    "                             0 = no cap); its further connections wait for one of them, so one\n"
    "                             host's burst never delays other hosts' handshakes; behind HAProxy\n"
    "                             set 0, or give --proxy-protocol-from so each client has its address\n"
    "  --idle-timeout SECONDS     close a connection with no request for this long (default 15)\n"
    "  --header-timeout SECONDS   a request's whole header must arrive within this (default 10)\n"
    "  --body-timeout SECONDS     a body must arrive within this plus 1 s per --body-min-rate bytes\n"
    "                             of its length (default 10)\n"
    "  --body-min-rate BYTES      slowest accepted body upload, bytes per second (default 65536)\n"
    "  --max-header-bytes N       request line and header fields, bytes (default 16384; 431 above)\n"
    "  --max-header-fields N      header fields per request (default 100; 431 above)\n"
    "  --proxy-protocol-from RANGE[,RANGE]\n"
    "                             balancers (addresses or CIDR ranges, e.g. 10.0.0.5 or 10.0.0.0/24;\n"
    "                             repeatable) whose connections start with a PROXY protocol header (v1\n"
    "                             or v2: HAProxy send-proxy-v2); their clients are then known by their\n"
    "                             own addresses for the per-address caps, sign-in throttling and the\n"
    "                             audit trail. Connections from these addresses without a header are\n"
    "                             closed; from other addresses a header is never read\n"
    "  --io-threads N             event-loop threads: TLS, reads and writes (default 2)\n"
    "  --queue-size N             requests waiting for a worker (default 1024); when full the\n"
    "                             collector answers 503 with Retry-After at once\n"
    "  --retry-after MIN-MAX      Retry-After seconds of 503 answers, drawn at random from the range\n"
    "                             so a fleet does not return in step (default 2-20)\n"
    "\n"
    "other:\n"
    "  --log-level LEVEL          debug, info, warning or error (default info)\n"
    "  --help                     this text\n"
    "\n"
    "mamori-collector user add|passwd|remove|list ... manages web console accounts (see\n"
    "mamori-collector user --help).\n"
    "mamori-collector routes prints the HTTP API's routes as JSON lines: method, path, who may call\n"
    "it and the audit trail's action for it (docs/api.md).\n"
    "\n"
    "SIGTERM or SIGINT stops it: no new connections, requests in progress finish, the database is closed.\n"
    "\n"
    "exit codes: 0 stopped cleanly, 1 runtime error (cannot listen, database unreachable),\n"
    "            2 usage or configuration error\n";

namespace {

bool parseNumber(const std::string& text, unsigned long long max, unsigned long long& out) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoull(text);
  return out <= max;
}

// "10", "0.5", "2.25" -> milliseconds; at most three decimals, from 0.05 s to one hour.
bool parseSeconds(const std::string& text, std::chrono::milliseconds& out) {
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? std::string() : text.substr(dot + 1);
  unsigned long long seconds = 0;
  unsigned long long millis = 0;
  if (!parseNumber(whole, 3600, seconds)) return false;
  if (dot != std::string::npos) {
    if (fraction.empty() || fraction.size() > 3 || !parseNumber(fraction, 999, millis)) return false;
    while (fraction.size() < 3) {
      fraction += '0';
      millis *= 10;
    }
  }
  const auto total = seconds * 1000 + millis;
  if (total < 50 || total > 3'600'000) return false;
  out = std::chrono::milliseconds(total);
  return true;
}

// Options that set one number of the connection limits.
struct LimitOption {
  const char* name;
  unsigned long long min;
  unsigned long long max;
  std::function<void(CollectorOptions&, unsigned long long)> set;
};

const std::vector<LimitOption>& limitOptions() {
  static const std::vector<LimitOption> options = {
      {"--max-connections", 1, 1'000'000, [](auto& o, auto n) { o.limits.maxConnections = n; }},
      {"--max-connections-per-address", 0, 1'000'000, [](auto& o, auto n) { o.limits.maxConnectionsPerAddress = n; }},
      {"--body-min-rate", 1, 1ULL << 30, [](auto& o, auto n) { o.limits.bodyMinBytesPerSecond = n; }},
      {"--max-header-bytes", 1024, 1 << 20, [](auto& o, auto n) { o.limits.maxHeaderBytes = n; }},
      {"--max-header-fields", 8, 10'000, [](auto& o, auto n) { o.limits.maxHeaderFields = n; }},
      {"--handshakes-per-address", 0, 1'000'000, [](auto& o, auto n) { o.limits.handshakesPerAddress = n; }},
      {"--io-threads", 1, 16, [](auto& o, auto n) { o.limits.ioThreads = static_cast<int>(n); }},
      {"--queue-size", 1, 1'000'000, [](auto& o, auto n) { o.limits.queueCapacity = n; }},
  };
  return options;
}

// Options that set one of the connection deadlines.
std::vector<std::pair<const char*, std::chrono::milliseconds*>> timeoutOptions(CollectorOptions& options) {
  return {{"--handshake-timeout", &options.limits.handshakeTimeout},
          {"--idle-timeout", &options.limits.idleTimeout},
          {"--header-timeout", &options.limits.headerTimeout},
          {"--body-timeout", &options.limits.bodyTimeout}};
}

common::CommandLine::Set wholeNumber(std::int64_t min, std::int64_t max, std::function<void(std::int64_t)> set) {
  return [min, max, set = std::move(set)](const std::string& value) -> common::Status {
    auto n = common::parseInteger(value, min, max);
    if (!n) return n.error();
    set(n.value());
    return common::Ok{};
  };
}

common::CommandLine::Set interval(std::int64_t& field) {
  return [&field](const std::string& value) -> common::Status {
    const auto ms = common::parseDurationMs(value);
    if (!ms || *ms < 1000 || *ms > 7 * store::kDayMs) {
      return common::makeError("expected a duration from 1s to 7d such as 15m or 1h, not \"" + value + "\"");
    }
    field = *ms;
    return common::Ok{};
  };
}

// "MIN-MAX" seconds, 0 <= MIN <= MAX <= 3600.
bool parseRetryAfter(const std::string& text, server::RetryAfterRange& out) {
  const auto dash = text.find('-');
  unsigned long long low = 0;
  unsigned long long high = 0;
  if (dash == std::string::npos || !parseNumber(text.substr(0, dash), 3600, low) ||
      !parseNumber(text.substr(dash + 1), 3600, high) || low > high) {
    return false;
  }
  out.minSeconds = static_cast<int>(low);
  out.maxSeconds = static_cast<int>(high);
  return true;
}

common::Status parseListen(const std::string& value, CollectorOptions& options) {
  std::string host;
  std::string port;
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find("]:");
    if (close == std::string::npos) return common::makeError("expected [IPv6]:PORT, e.g. [::]:8443", "--listen");
    host = value.substr(1, close - 1);
    port = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos) return common::makeError("expected ADDR:PORT, e.g. 0.0.0.0:8443", "--listen");
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  unsigned long long number = 0;
  if (host.empty() || !parseNumber(port, 65535, number)) {
    return common::makeError("expected ADDR:PORT with a port from 0 to 65535, not \"" + value + "\"", "--listen");
  }
  options.listenHost = host;
  options.listenPort = static_cast<unsigned short>(number);
  return common::Ok{};
}

}  // namespace

common::Result<CollectorOptions> parseCollectorOptions(const std::vector<std::string>& args) {
  CollectorOptions options;
  common::CommandLine line;
  line.text("--state-dir", options.stateDir)
      .text("--port-file", options.portFile)
      .text("--db", options.db)
      .text("--cert", options.certFile)
      .text("--key", options.keyFile)
      .text("--enroll-secret-file", options.enrollSecretFile)
      .text("--admin-token-file", options.adminTokenFile)
      .text("--log-level", options.logLevel)
      .text("--policy-key-file", options.policyKeyFile)
      .text("--siem-config", options.siemConfigFile)
      .text("--console-dir", options.consoleDir)
      .option("--listen", [&options](const std::string& value) { return parseListen(value, options); })
      .option("--cert-name",
              [&options](const std::string& value) -> common::Status {
                if (!tls::isValidCertName(value)) {
                  return common::makeError("not a DNS name or IP address: \"" + value + "\"");
                }
                options.certNames.push_back(value);
                return common::Ok{};
              })
      .option("--threads", wholeNumber(1, 256, [&options](std::int64_t n) { options.threads = static_cast<int>(n); }))
      .option("--max-body-bytes",
              wholeNumber(1024, std::int64_t{1} << 30,
                          [&options](std::int64_t n) { options.maxBodyBytes = static_cast<std::size_t>(n); }))
      .option("--proxy-protocol-from",
              [&options](const std::string& value) -> common::Status {
                for (std::size_t start = 0; start <= value.size();) {
                  const auto comma = std::min(value.find(',', start), value.size());
                  auto added = options.proxySources.add(std::string_view(value).substr(start, comma - start));
                  if (!added) return added.error();
                  start = comma + 1;
                }
                return common::Ok{};
              })
      .option("--retry-after",
              [&options](const std::string& value) -> common::Status {
                if (!parseRetryAfter(value, options.retryAfter)) {
                  return common::makeError("expected MIN-MAX seconds with MIN <= MAX <= 3600, e.g. 2-20");
                }
                return common::Ok{};
              })
      .option("--retention-days",
              [&options](const std::string& value) -> common::Status {
                auto days = store::parseRetentionDays(value);
                if (!days) return common::makeError(days.error().message);
                options.retention.defaultDays = days.value();
                return common::Ok{};
              })
      .option("--retention",
              [&options](const std::string& value) { return store::addRetentionRules(value, options.retention); })
      .option("--retention-interval", interval(options.retentionIntervalMs))
      .option("--audit-checkpoint-interval", interval(options.auditCheckpointIntervalMs))
      .text("--reports-dir", options.reportsDir)
      .option("--report-utc-offset",
              [&options](const std::string& value) -> common::Status {
                auto minutes = common::parseInteger(value, -720, 840);
                if (!minutes || minutes.value() % 60 != 0) {
                  return common::makeError("expected whole hours in minutes from -720 to 840 (540 for Japan), not \"" +
                                           value + "\"");
                }
                options.reportOffsetMinutes = static_cast<int>(minutes.value());
                return common::Ok{};
              })
      .option("--report-keep-weeks",
              wholeNumber(1, 1040, [&options](std::int64_t n) { options.reportKeepWeeks = static_cast<int>(n); }));
  for (const auto& limit : limitOptions()) {
    line.option(limit.name, wholeNumber(static_cast<std::int64_t>(limit.min), static_cast<std::int64_t>(limit.max),
                                        [&options, &limit](std::int64_t n) {
                                          limit.set(options, static_cast<unsigned long long>(n));
                                        }));
  }
  for (const auto& [name, field] : timeoutOptions(options)) {
    line.option(name, [field = field](const std::string& value) -> common::Status {
      if (!parseSeconds(value, *field)) {
        return common::makeError("expected seconds from 0.05 to 3600 (e.g. 10 or 0.5), not \"" + value + "\"");
      }
      return common::Ok{};
    });
  }
  if (auto parsed = line.parse(args, options.help); !parsed) return parsed.error();
  if (options.help) return options;
  common::log::Level level{};
  if (!common::log::parseLevel(options.logLevel, level)) {
    return common::makeError("expected debug, info, warning or error", "--log-level");
  }
  if (options.certFile.empty() != options.keyFile.empty()) {
    return common::makeError("--cert and --key go together (or leave both out for a generated certificate)",
                             options.certFile.empty() ? "--cert" : "--key");
  }
  if (options.db.empty()) options.db = "sqlite:" + options.stateDir + "/collector.db";
  return options;
}

}  // namespace mamori::collector::app
