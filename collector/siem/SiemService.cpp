#include "collector/siem/SiemService.h"

#include <sstream>

namespace mamori::collector::siem {

const char* productVersion() { return MAMORI_VERSION; }

common::Result<std::unique_ptr<SiemService>> SiemService::start(const SiemConfig& config, const store::DbTarget& db,
                                                                const std::string& owner, const common::Clock& clock) {
  std::unique_ptr<SiemService> service(new SiemService());
  ForwarderSettings settings;
  settings.owner = owner;
  settings.leaseMs = config.leaseMs;
  settings.pollMs = config.pollMs;
  for (const auto& sinkConfig : config.sinks) {
    auto sink = makeSink(sinkConfig, productVersion());
    if (!sink) {
      auto error = sink.error();
      error.message = "SIEM sink " + sinkConfig.name + ": " + error.message;
      return error;
    }
    service->forwarders_.push_back(std::make_unique<Forwarder>(sinkConfig, std::move(sink).value(),
                                                               std::make_unique<ForwardStore>(db), settings, clock));
  }
  for (auto& forwarder : service->forwarders_) forwarder->start();
  return service;
}

SiemService::~SiemService() { stop(); }

void SiemService::stop() {
  for (auto& forwarder : forwarders_) forwarder->stop();
}

std::vector<SinkStatus> SiemService::statuses() const {
  std::vector<SinkStatus> result;
  for (const auto& forwarder : forwarders_) result.push_back(forwarder->status());
  return result;
}

std::string SiemService::renderMetrics() const {
  const auto all = statuses();
  if (all.empty()) return {};
  std::ostringstream out;
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    for (const auto& s : all) out << name << "{sink=\"" << s.name << "\"} " << value(s) << '\n';
  };
  family("mamori_siem_lag_events", "gauge", "Stored events the sink has not acknowledged yet (-1 = not counted yet).",
         [](const SinkStatus& s) { return s.lag; });
  family("mamori_siem_forwarded_total", "counter", "Events this collector delivered to the sink.",
         [](const SinkStatus& s) { return s.forwarded; });
  family("mamori_siem_errors_total", "counter", "Failed delivery or database attempts for the sink.",
         [](const SinkStatus& s) { return s.errors; });
  family("mamori_siem_leader", "gauge", "1 when this collector holds the sink's lease and forwards it.",
         [](const SinkStatus& s) { return s.leader ? 1 : 0; });
  family("mamori_siem_last_ack_timestamp_seconds", "gauge", "When the sink last acknowledged events (0 = never).",
         [](const SinkStatus& s) { return s.lastAckMs / 1000; });
  return out.str();
}

}  // namespace mamori::collector::siem
