#pragma once
// All forwarders of one collector process, built from the --siem-config file, and their figures for
// GET /metrics.

#include <memory>
#include <string>
#include <vector>

#include "collector/siem/Forwarder.h"
#include "collector/siem/SiemConfig.h"
#include "collector/store/DbUrl.h"
#include "common/Clock.h"

namespace mamori::collector::siem {

class SiemService {
 public:
  // Builds one sink and forwarder per configured sink and starts them. owner names this process in
  // lease rows (host:pid:random).
  static common::Result<std::unique_ptr<SiemService>> start(const SiemConfig& config, const store::DbTarget& db,
                                                            const std::string& owner, const common::Clock& clock);
  ~SiemService();

  void stop();
  std::vector<SinkStatus> statuses() const;
  // Prometheus text lines: mamori_siem_* per sink.
  std::string renderMetrics() const;

 private:
  SiemService() = default;
  std::vector<std::unique_ptr<Forwarder>> forwarders_;
};

// The collector's version, written into CEF headers and ECS observer.version.
const char* productVersion();

}  // namespace mamori::collector::siem
