#pragma once
// The agent's EventSink: every event a capability reports is stamped by the EventFactory, attributed
// to the user its details name (`user.name`), written to the journal as one line
// ("event <type> <details JSON>", so an administrator without a collector sees what the PC reported:
// `journalctl -u mamori-agent | grep ' event '`), appended to the spool, and the uploader is woken.

#include "agent/core/EventSink.h"
#include "agent/report/EventFactory.h"
#include "agent/report/Spool.h"
#include "agent/report/Uploader.h"

namespace mamori::agent {

class SpoolingEventSink final : public EventSink {
 public:
  SpoolingEventSink(EventFactory& events, Spool& spool, Uploader& uploader)
      : events_(events), spool_(spool), uploader_(uploader) {}

  // A spool that cannot take the event is logged (the journal line still has it); never throws.
  std::string report(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details) override;

 private:
  EventFactory& events_;
  Spool& spool_;
  Uploader& uploader_;
};

// The journal line of one event: "event <type> <details JSON>".
std::string eventLogLine(const std::string& type, const Poco::JSON::Object::Ptr& details);

}  // namespace mamori::agent
