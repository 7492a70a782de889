#pragma once
// Where a forwarder delivers events. Each transport says when delivery counts as acknowledged:
// file: written and fsync'ed; http: a 2xx answer; syslog: written to a connection that is still
// open after a settle delay (syslog over TCP/TLS has no acknowledgement: see docs/siem.md,
// "delivery guarantee"). A forwarder moves its cursor only past acknowledged events.

#include <memory>
#include <string>
#include <vector>

#include "collector/siem/Record.h"
#include "collector/siem/SiemConfig.h"
#include "common/Result.h"

namespace mamori::collector::siem {

class Sink {
 public:
  virtual ~Sink() = default;
  // Hands the events over (formatted the sink's way). An error means none of them count as delivered.
  virtual common::Status send(const std::vector<StoredEvent>& events) = 0;
  // Confirms that everything sent since the last settle was delivered; an error means it may not
  // have been (the forwarder resends from its cursor). Transports with a per-send acknowledgement
  // have nothing to do here.
  virtual common::Status settle() { return common::Ok{}; }
};

// Builds the sink a config describes; productVersion goes into CEF headers and ECS observer.version.
common::Result<std::unique_ptr<Sink>> makeSink(const SinkConfig& config, const std::string& productVersion);

}  // namespace mamori::collector::siem
