#include "collector/app/CollectorOptions.h"

#include <chrono>
#include <functional>
#include <map>

#include "collector/tls/SelfSignedCert.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Log.h"

namespace mamori::collector::app {

namespace {

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
common::Status parseRetryAfter(const std::string& text, server::RetryAfterRange& out) {
  const auto dash = text.find('-');
  auto low = common::parseInteger(text.substr(0, dash), 0, 3600);
  auto high = common::parseInteger(dash == std::string::npos ? "" : text.substr(dash + 1), 0, 3600);
  if (!low || !high || low.value() > high.value()) {
    return common::makeError("expected MIN-MAX seconds with MIN <= MAX <= 3600 such as 2-20, got \"" + text + "\"");
  }
  out.minSeconds = static_cast<int>(low.value());
  out.maxSeconds = static_cast<int>(high.value());
  return common::Ok{};
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
  auto number = common::parseInteger(port, 0, 65535);
  if (host.empty() || !number) {
    return common::makeError("expected ADDR:PORT with a port from 0 to 65535, not \"" + value + "\"", "--listen");
  }
  options.listenHost = host;
  options.listenPort = static_cast<unsigned short>(number.value());
  return common::Ok{};
}

// The options, their readers and their help: one table for the parser and --help.
std::vector<common::OptionRow> optionTable(CollectorOptions& o) {
  namespace opt = common::opt;
  auto& limits = o.limits;
  return {
      {"--state-dir", "DIR", opt::text(o.stateDir),
       "state directory, created 0700 (default /var/lib/mamori-collector)"},
      {"--listen", "ADDR:PORT", opt::checked([&o](const std::string& value) { return parseListen(value, o); }),
       "address to listen on (default 0.0.0.0:8443; port 0 picks a free one;\nIPv6 as [::]:8443)"},
      {"--port-file", "FILE", opt::text(o.portFile), "once listening, write the bound port number there"},
      {"--db", "URL", opt::text(o.db),
       "sqlite:PATH (default sqlite:<state-dir>/collector.db) or\npostgresql://user[:password]@host[:port]/dbname or\n"
       "postgresql:///dbname?host=/socket/dir&port=5432"},
      {"--cert", "FILE", opt::text(o.certFile),
       "TLS certificate (PEM), with --key; without them a self-signed ECDSA\ncertificate is made on first start in "
       "<state-dir>/tls/collector.crt;\nagents and mamorictl use that file as their CA file"},
      {"--key", "FILE", opt::text(o.keyFile), "the certificate's private key (PEM)"},
      {"--cert-name", "NAME", opt::checked([&o](const std::string& value) -> common::Status {
         if (!tls::isValidCertName(value)) return common::makeError("not a DNS name or IP address: \"" + value + "\"");
         o.certNames.push_back(value);
         return common::Ok{};
       }),
       "extra DNS name or IP address for the generated certificate\n(repeatable; localhost, 127.0.0.1, ::1 and the "
       "host name are always in)"},
      {"--enroll-secret-file", "FILE", opt::text(o.enrollSecretFile),
       "the agents' enroll secret (default <state-dir>/enroll.secret,\ngenerated on first start)"},
      {"--admin-token-file", "FILE", opt::text(o.adminTokenFile),
       "the administrators' token (default <state-dir>/admin.token,\ngenerated on first start)"},
      {"--policy-key-file", "FILE", opt::text(o.policyKeyFile),
       "the Ed25519 key that signs policies (default\n<state-dir>/policy-signing.key, generated 0600 on first start); "
       "give\nevery collector of one fleet the same file: agents pin its public key"},
      {"--console-dir", "DIR", opt::text(o.consoleDir),
       "the web console's built files (default: console-dist beside the\nbinary, else ../share/mamori/console); "
       "docs/console.md"},
      {"--siem-config", "FILE", opt::text(o.siemConfigFile),
       "forward events to SIEM sinks (syslog/CEF, JSON lines, HTTPS);\ndocs/siem.md"},
      {"--threads", "N", opt::integer(1, 256, o.threads),
       "worker threads that answer requests (default 16); connections are\nserved by the event loop and do not each "
       "take a thread"},
      {"--max-body-bytes", "N", opt::integer(1024, std::int64_t{1} << 30, o.maxBodyBytes),
       "largest request body, before and after gzip inflation (default 8388608)"},
      {"--retention-days", "N", opt::checked([&o](const std::string& value) -> common::Status {
         auto days = store::parseRetentionDays(value);
         if (!days) return common::makeError(days.error().message);
         o.retention.defaultDays = days.value();
         return common::Ok{};
       }),
       "keep events N days, counted from when the PC created them\n(default 180; 0 keeps them forever); docs/admin.md "
       "\"Retention\""},
      {"--retention", "TYPE=DAYS,...",
       opt::checked([&o](const std::string& value) { return store::addRetentionRules(value, o.retention); }),
       "other days for some event types: an exact type (file.read_bulk=30)\nor a family (content.*=365); the most "
       "specific rule wins; repeatable"},
      {"--retention-interval", "TIME", opt::checked(interval(o.retentionIntervalMs)),
       "how often old events are deleted (default 1h; e.g. 15m, 6h)"},
      {"--audit-checkpoint-interval", "TIME", opt::checked(interval(o.auditCheckpointIntervalMs)),
       "how often a checkpoint of the audit trail, signed with the\npolicy key, is appended and sent to the SIEM "
       "(default 1h; 1s to 7d)"},
      {"--reports-dir", "DIR", opt::text(o.reportsDir),
       "where last week's reports (HTML and CSV, the fleet and each group)\nare written every Monday (default "
       "<state-dir>/reports; off = none);\ndocs/admin.md \"Reports\""},
      {"--report-utc-offset", "MINUTES", opt::checked([&o](const std::string& value) -> common::Status {
         auto minutes = common::parseInteger(value, -720, 840);
         if (!minutes || minutes.value() % 60 != 0) {
           return common::makeError("expected whole hours in minutes from -720 to 840 (540 for Japan), not \"" + value +
                                    "\"");
         }
         o.reportOffsetMinutes = static_cast<int>(minutes.value());
         return common::Ok{};
       }),
       "where report days and weeks begin, in minutes east of UTC (540 for\nJapan; default: this machine's time "
       "zone)"},
      {"--report-keep-weeks", "N", opt::integer(1, 1040, o.reportKeepWeeks), "weekly reports kept (default 104)"},
      {"", "", {}, "Connection limits (docs/api.md \"Limits\"; SECONDS may have decimals, e.g. 0.5):"},
      {"--max-connections", "N", opt::integer(1, 1'000'000, limits.maxConnections),
       "open connections (default 20000, lowered to the open-file limit\nminus 256); at the limit the oldest idle "
       "connection is closed"},
      {"--max-connections-per-address", "N", opt::integer(0, 1'000'000, limits.maxConnectionsPerAddress),
       "open connections from one client address (default 0 = no cap;\nleave 0 behind NAT, or behind HAProxy without "
       "--proxy-protocol-from,\nwhere many PCs share one address)"},
      {"--handshake-timeout", "SECONDS", opt::seconds(50, 3'600'000, limits.handshakeTimeout),
       "the TLS handshake must finish within this (default 10), counted\nfrom the TCP accept"},
      {"--handshakes-per-address", "N", opt::integer(0, 1'000'000, limits.handshakesPerAddress),
       "TLS handshakes in progress from one client address (default 64;\n0 = no cap); its further connections wait "
       "for one of them, so one\nhost's burst never delays other hosts' handshakes; behind HAProxy\nset 0, or give "
       "--proxy-protocol-from so each client has its address"},
      {"--idle-timeout", "SECONDS", opt::seconds(50, 3'600'000, limits.idleTimeout),
       "close a connection with no request for this long (default 15)"},
      {"--header-timeout", "SECONDS", opt::seconds(50, 3'600'000, limits.headerTimeout),
       "a request's whole header must arrive within this (default 10)"},
      {"--body-timeout", "SECONDS", opt::seconds(50, 3'600'000, limits.bodyTimeout),
       "a body must arrive within this plus 1 s per --body-min-rate bytes\nof its length (default 10)"},
      {"--body-min-rate", "BYTES", opt::integer(1, std::int64_t{1} << 30, limits.bodyMinBytesPerSecond),
       "slowest accepted body upload, bytes per second (default 65536)"},
      {"--max-header-bytes", "N", opt::integer(1024, 1 << 20, limits.maxHeaderBytes),
       "request line and header fields, bytes (default 16384; 431 above)"},
      {"--max-header-fields", "N", opt::integer(8, 10'000, limits.maxHeaderFields),
       "header fields per request (default 100; 431 above)"},
      {"--proxy-protocol-from", "RANGE[,RANGE]", opt::checked([&o](const std::string& value) -> common::Status {
         for (std::size_t start = 0; start <= value.size();) {
           const auto comma = std::min(value.find(',', start), value.size());
           auto added = o.proxySources.add(std::string_view(value).substr(start, comma - start));
           if (!added) return added.error();
           start = comma + 1;
         }
         return common::Ok{};
       }),
       "balancers (addresses or CIDR ranges, e.g. 10.0.0.5 or 10.0.0.0/24;\nrepeatable) whose connections start with "
       "a PROXY protocol header (v1\nor v2: HAProxy send-proxy-v2); their clients are then known by their\nown "
       "addresses for the per-address caps, sign-in throttling and the\naudit trail. Connections from these addresses "
       "without a header are\nclosed; from other addresses a header is never read"},
      {"--io-threads", "N", opt::integer(1, 16, limits.ioThreads),
       "event-loop threads: TLS, reads and writes (default 2)"},
      {"--queue-size", "N", opt::integer(1, 1'000'000, limits.queueCapacity),
       "requests waiting for a worker (default 1024); when full the\ncollector answers 503 with Retry-After at once"},
      {"--retry-after", "MIN-MAX",
       opt::checked([&o](const std::string& value) { return parseRetryAfter(value, o.retryAfter); }),
       "Retry-After seconds of 503 answers, drawn at random from the range\nso a fleet does not return in step "
       "(default 2-20)"},
      {"", "", {}, "Other:"},
      {"--log-level", "LEVEL", opt::text(o.logLevel), "debug, info, warning or error (default info)"},
  };
}

}  // namespace

std::string collectorUsage() {
  CollectorOptions unused;
  common::CommandLine line;
  line.table(optionTable(unused));
  return "Usage: mamori-collector [options]\n"
         "       mamori-collector user add|passwd|remove|list ...\n"
         "       mamori-collector routes\n"
         "\n"
         "The mamori collector: enrolls agents, stores their events (SQLite or PostgreSQL) and answers\n"
         "queries over HTTPS (docs/api.md).\n"
         "\n"
         "Options:\n" +
         line.help(29) +
         "\n"
         "mamori-collector user add|passwd|remove|list ... manages web console accounts (see\n"
         "mamori-collector user --help).\n"
         "mamori-collector routes prints the HTTP API's routes as JSON lines: method, path, who may call\n"
         "it and the audit trail's action for it (docs/api.md).\n"
         "\n"
         "SIGTERM or SIGINT stops it: no new connections, requests in progress finish, the database is closed.\n"
         "\n"
         "Exit status:\n"
         "  0  stopped cleanly\n"
         "  1  runtime error (cannot listen, database unreachable)\n"
         "  2  usage or configuration error\n";
}

common::Result<CollectorOptions> parseCollectorOptions(const std::vector<std::string>& args) {
  CollectorOptions options;
  common::CommandLine line;
  line.table(optionTable(options));
  if (auto parsed = line.parse(args, options.help); !parsed) return parsed.error();
  if (options.help) return options;
  common::log::Level level{};
  if (!common::log::parseLevel(options.logLevel, level)) {
    return common::makeError("expected debug, info, warning or error, got \"" + options.logLevel + "\"", "--log-level");
  }
  if (options.certFile.empty() != options.keyFile.empty()) {
    return common::makeError("--cert and --key go together (or leave both out for a generated certificate)",
                             options.certFile.empty() ? "--cert" : "--key");
  }
  if (options.db.empty()) options.db = "sqlite:" + options.stateDir + "/collector.db";
  return options;
}

}  // namespace mamori::collector::app
