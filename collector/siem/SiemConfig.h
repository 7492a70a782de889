#pragma once
// The --siem-config file: which sinks the collector forwards events to (docs/siem.md). Parsing is
// strict and pure: unknown keys, wrong types and missing fields are errors whose `where` is the
// JSON pointer of the offending value ("/sinks/1/port").

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Result.h"

namespace mamori::collector::siem {

enum class SinkKind { Syslog, File, Http };

struct SinkConfig {
  std::string name;  // unique; names the cursor row, so renaming a sink starts it from the beginning
  SinkKind kind = SinkKind::Syslog;
  int minSeverity = 0;             // 0 info .. 4 critical
  std::vector<std::string> types;  // type prefixes ("device.", "content.match"); empty = every type
  std::size_t batchSize = 500;
  // syslog
  bool tls = false;
  std::string host;
  unsigned short port = 0;
  std::string caFile;      // tls (syslog) or https (http): PEM to trust; "" = system store
  std::string serverName;  // tls: the name the certificate must carry; "" = host
  int facility = 16;       // local0
  // file
  std::string path;
  std::int64_t maxBytes = 100LL * 1024 * 1024;
  int keep = 5;
  // http
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  int timeoutMs = 10'000;

  bool wants(const std::string& type, int severity) const;
};

struct SiemConfig {
  std::vector<SinkConfig> sinks;
  std::int64_t leaseMs = 30'000;  // how long a collector holds a sink before another may take it
  std::int64_t pollMs = 500;      // how often an idle forwarder looks for new events
};

common::Result<SiemConfig> parseSiemConfig(std::string_view json);
common::Result<SiemConfig> loadSiemConfig(const std::string& path);

}  // namespace mamori::collector::siem
