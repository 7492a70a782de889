#pragma once
// An EventSink in front of another: every event goes on to it unchanged; the events the user should
// hear about (UserNotice) are also shown on the desktop, the same text at most once a minute (a stick
// plugged again and again makes one notification, not dozens).

#include <chrono>
#include <map>
#include <string>

#include "agent/core/EventSink.h"
#include "drivers/include/DesktopNotifier.h"

namespace mamori::agent {

class NotifyingEventSink final : public EventSink {
 public:
  NotifyingEventSink(EventSink& next, drivers::DesktopNotifier& notifier);
  std::string report(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details) override;

 private:
  EventSink& next_;
  drivers::DesktopNotifier& notifier_;
  std::map<std::string, std::chrono::steady_clock::time_point> lastShown_;
};

}  // namespace mamori::agent
