#include "agent/report/EventFactory.h"

#include <utility>

#include "common/EventJson.h"

namespace mamori::agent {

EventFactory::EventFactory(std::string agentId, std::string host, const common::Clock& clock)
    : agentId_(std::move(agentId)), host_(std::move(host)), clock_(clock) {}

common::Event EventFactory::make(std::string type, common::Severity severity, Poco::JSON::Object::Ptr details) {
  common::Event event;
  event.timeMs = clock_.nowMs();
  event.id = ids_.next(event.timeMs);
  event.type = std::move(type);
  event.severity = severity;
  event.agentId = agentId_;
  event.host = host_;
  if (!details.isNull()) event.details = std::move(details);
  // A file name, a device string or a user name may be bytes the collector cannot store: written as
  // "\xNN" here, so no event holds back the batch it travels in.
  common::makeStorable(event);
  return event;
}

Poco::JSON::Object::Ptr makeDetails() { return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER); }

}  // namespace mamori::agent
