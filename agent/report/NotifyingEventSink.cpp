#include "agent/report/NotifyingEventSink.h"

#include "agent/report/UserNotice.h"

namespace mamori::agent {

namespace {

constexpr auto kRepeatAfter = std::chrono::minutes(1);
constexpr std::size_t kRemembered = 256;

}  // namespace

NotifyingEventSink::NotifyingEventSink(EventSink& next, drivers::DesktopNotifier& notifier)
    : next_(next), notifier_(notifier) {}

std::string NotifyingEventSink::report(const std::string& type, common::Severity severity,
                                       Poco::JSON::Object::Ptr details) {
  auto notice = userNoticeFor(type, details);
  std::string id = next_.report(type, severity, details);
  if (!notice) return id;
  const auto now = std::chrono::steady_clock::now();
  const std::string key = notice->summary + '\n' + notice->body;
  if (auto shown = lastShown_.find(key); shown != lastShown_.end() && now - shown->second < kRepeatAfter) return id;
  if (lastShown_.size() >= kRemembered) lastShown_.clear();
  lastShown_[key] = now;
  notifier_.notify(notice->summary, notice->body);
  return id;
}

}  // namespace mamori::agent
