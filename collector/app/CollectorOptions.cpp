#include "collector/app/CollectorOptions.h"

#include <map>

#include "collector/tls/SelfSignedCert.h"
#include "common/Clock.h"
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
    "  --threads N                request threads = connections served at once (default 16)\n"
    "  --max-body-bytes N         largest request body, before and after gzip inflation (default 8388608)\n"
    "  --retention-days N         keep events N days, counted from when the PC created them\n"
    "                             (default 180; 0 keeps them forever); docs/admin.md \"Retention\"\n"
    "  --retention TYPE=DAYS,...  other days for some event types: an exact type (file.read_bulk=30)\n"
    "                             or a family (content.*=365); the most specific rule wins; repeatable\n"
    "  --retention-interval TIME  how often old events are deleted (default 1h; e.g. 15m, 6h)\n"
    "  --log-level LEVEL          debug, info, warning or error (default info)\n"
    "  --help                     this text\n"
    "\n"
    "mamori-collector user add|passwd|remove|list ... manages web console accounts (see\n"
    "mamori-collector user --help).\n"
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
  const std::map<std::string, std::string*> strings = {
      {"--state-dir", &options.stateDir},
      {"--port-file", &options.portFile},
      {"--db", &options.db},
      {"--cert", &options.certFile},
      {"--key", &options.keyFile},
      {"--enroll-secret-file", &options.enrollSecretFile},
      {"--admin-token-file", &options.adminTokenFile},
      {"--log-level", &options.logLevel},
      {"--policy-key-file", &options.policyKeyFile},
      {"--siem-config", &options.siemConfigFile},
      {"--console-dir", &options.consoleDir},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool hasValue = false;
    if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (name == "--help" || name == "-h") {
      options.help = true;
      return options;
    }
    const bool known = strings.count(name) != 0 || name == "--listen" || name == "--cert-name" || name == "--threads" ||
                       name == "--max-body-bytes" || name == "--retention-days" || name == "--retention" ||
                       name == "--retention-interval";
    if (!known) return common::makeError("unknown option (see --help)", name);
    if (!hasValue) {
      if (i + 1 >= args.size()) return common::makeError("needs a value", name);
      value = args[++i];
    }
    if (const auto it = strings.find(name); it != strings.end()) {
      if (value.empty()) return common::makeError("needs a non-empty value", name);
      *it->second = value;
    } else if (name == "--listen") {
      if (auto s = parseListen(value, options); !s) return s.error();
    } else if (name == "--cert-name") {
      if (!tls::isValidCertName(value))
        return common::makeError("not a DNS name or IP address: \"" + value + "\"", name);
      options.certNames.push_back(value);
    } else if (name == "--threads") {
      unsigned long long n = 0;
      if (!parseNumber(value, 256, n) || n == 0) return common::makeError("expected a number from 1 to 256", name);
      options.threads = static_cast<int>(n);
    } else if (name == "--max-body-bytes") {
      unsigned long long n = 0;
      if (!parseNumber(value, 1ULL << 30, n) || n < 1024) {
        return common::makeError("expected a number of bytes from 1024 to 1073741824", name);
      }
      options.maxBodyBytes = static_cast<std::size_t>(n);
    } else if (name == "--retention-days") {
      auto days = store::parseRetentionDays(value);
      if (!days) return common::makeError(days.error().message, name);
      options.retention.defaultDays = days.value();
    } else if (name == "--retention") {
      if (auto added = store::addRetentionRules(value, options.retention); !added) return added.error();
    } else if (name == "--retention-interval") {
      const auto ms = common::parseDurationMs(value);
      if (!ms || *ms < 1000 || *ms > 7 * store::kDayMs) {
        return common::makeError("expected a duration from 1s to 7d such as 15m or 1h, not \"" + value + "\"", name);
      }
      options.retentionIntervalMs = *ms;
    }
  }
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
