// Parses activity, reporting and agent_limits (docs/policy.md).
#include "policy/FieldReader.h"
#include "policy/SectionParsers.h"

namespace mamori::policy {

namespace {

// The agent acts on the scheduler of this PC only: a socket path, or a loopback address with a port.
bool validPrintServer(const std::string& server) {
  if (server.empty()) return true;
  if (server.front() == '/') return server.find('\0') == std::string::npos;
  const std::size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon + 1 == server.size() || server.size() - colon > 6) return false;
  for (std::size_t i = colon + 1; i < server.size(); ++i) {
    if (server[i] < '0' || server[i] > '9') return false;
  }
  const std::string host = server.substr(0, colon);
  const long port = std::stol(server.substr(colon + 1));
  return port >= 1 && port <= 65535 && (host == "localhost" || host == "127.0.0.1" || host == "[::1]");
}

}  // namespace

void parseActivity(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                   ActivitySettings& out) {
  ObjectReader reader(value, pointer, errors);
  reader.mode("mode", out.mode);
  reader.pathList("cloud_sync_folders", out.cloudSyncFolders);
  if (const common::JsonValue* v = reader.get("bulk")) {
    ObjectReader bulk(*v, reader.pointerOf("bulk"), errors);
    bulk.integer("files", out.bulk.files, 1, 10'000'000);
    bulk.integer("bytes", out.bulk.bytes, 1024, 1LL << 40);
    bulk.integer("seconds", out.bulk.seconds, 1, 86'400);
  }
  reader.pathList("removable_mounts", out.removableMounts);
  reader.pathList("watched", out.watched);
  if (const common::JsonValue* v = reader.get("incident")) {
    ObjectReader incident(*v, reader.pointerOf("incident"), errors);
    incident.integer("window_seconds", out.incident.windowSeconds, 10, std::int64_t{7} * 86'400);
    incident.integer("threshold", out.incident.threshold, 1, 1'000'000);
  }
  if (const common::JsonValue* v = reader.get("printing")) {
    ObjectReader printing(*v, reader.pointerOf("printing"), errors);
    printing.boolean("enabled", out.printing.enabled);
    printing.mode("mode", out.printing.mode);
    if (const common::JsonValue* fail = printing.get("fail")) {
      if (fail->kind == common::JsonKind::kString && (fail->text == "closed" || fail->text == "open")) {
        out.printing.failOpen = fail->text == "open";
      } else {
        errors.add(printing.pointerOf("fail"), "expected \"closed\" or \"open\", found " + common::describeJson(*fail));
      }
    }
    if (printing.get("server") != nullptr) {
      printing.string("server", out.printing.server, 4096);
      if (!validPrintServer(out.printing.server)) {
        errors.add(printing.pointerOf("server"),
                   "expected an absolute socket path or a loopback address with its port (127.0.0.1:631, "
                   "[::1]:631, localhost:631), found \"" +
                       out.printing.server + "\"");
      }
    }
    if (const common::JsonValue* dir = printing.get("spool_dir")) {
      readPath(*dir, printing.pointerOf("spool_dir"), errors, out.printing.spoolDir);
      if (out.printing.spoolDir.rfind("~/", 0) == 0) {
        errors.add(printing.pointerOf("spool_dir"),
                   "expected an absolute path, found \"" + out.printing.spoolDir + "\"");
      }
    }
  }
}

void parseReporting(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                    ReportingSettings& out) {
  ObjectReader reader(value, pointer, errors);
  reader.integer("batch_max_events", out.batchMaxEvents, 1, 5000);  // the collector refuses larger batches
  reader.integer("batch_max_bytes", out.batchMaxBytes, 1024, 16LL << 20);
  reader.integer("spool_max_events", out.spoolMaxEvents, 1000, 100'000'000);
  reader.integer("spool_max_bytes", out.spoolMaxBytes, 1LL << 20, 64LL << 30);
  reader.integer("heartbeat_interval_ms", out.heartbeatIntervalMs, 1000, 3'600'000);
  reader.integer("retry_base_ms", out.retryBaseMs, 10, 600'000);
  reader.integer("retry_cap_ms", out.retryCapMs, 100, 3'600'000);
  reader.integer("policy_poll_interval_ms", out.policyPollIntervalMs, 5000, 86'400'000);
  if (out.retryBaseMs > out.retryCapMs) {
    errors.add(reader.pointerOf("retry_base_ms"), "expected at most retry_cap_ms (" + std::to_string(out.retryCapMs) +
                                                      "), found " + std::to_string(out.retryBaseMs));
  }
}

void parseAgentLimits(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, AgentLimits& out) {
  ObjectReader reader(value, pointer, errors);
  reader.integer("cpu_percent", out.cpuPercent, 1, 100);
  reader.integer("memory_mib", out.memoryMib, 64, 65'536);
}

}  // namespace mamori::policy
