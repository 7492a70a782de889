#pragma once
// The one way a capability reports what happened. Capabilities know the event's type, severity and
// details; the sink the composition root hands them stamps the event (id, time, agent, host), names
// the user the details carry, keeps it in the spool, writes its journal line and wakes the uploader.
// Tests hand capabilities a recording sink (tests/support/RecordingEventSink.h).

#include <Poco/JSON/Object.h>

#include <string>

#include "common/Event.h"

namespace mamori::agent {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Reports one event and answers its id (evidence in later events, such as an incident's chain,
  // names earlier events by id). details may be changed by the sink; never null.
  virtual std::string report(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details) = 0;
};

}  // namespace mamori::agent
