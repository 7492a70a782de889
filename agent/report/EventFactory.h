#pragma once
// Makes the agent's own events (agent.started, spool.overflow, ...): fills id, time, agent and host so
// every producer stamps events the same way, and makes every string storable by the collector
// (common::makeStorable: bytes that are not UTF-8 and NUL as "\xNN").

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>

#include "common/Clock.h"
#include "common/Event.h"
#include "common/Uuid7.h"

namespace mamori::agent {

class EventFactory {
 public:
  EventFactory(std::string agentId, std::string host, const common::Clock& clock);
  EventFactory(const EventFactory&) = delete;
  EventFactory& operator=(const EventFactory&) = delete;

  // details may be null (an empty object is used).
  common::Event make(std::string type, common::Severity severity, Poco::JSON::Object::Ptr details = {});

  const std::string& agentId() const { return agentId_; }
  const std::string& host() const { return host_; }
  std::int64_t nowMs() const { return clock_.nowMs(); }

 private:
  std::string agentId_;
  std::string host_;
  const common::Clock& clock_;
  common::Uuid7Generator ids_;
};

// A details object that keeps the insertion order (readable JSON for people and SIEMs).
Poco::JSON::Object::Ptr makeDetails();

}  // namespace mamori::agent
