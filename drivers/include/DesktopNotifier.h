#pragma once
// Tells the people signed in to this PC's desktop what the agent just did to them (a stick blocked, a
// program stopped), through the desktop's notification service. Best effort: a PC without a desktop
// session, or a session without a notification service, simply shows nothing.

#include <string>

namespace mamori::drivers {

class DesktopNotifier {
 public:
  virtual ~DesktopNotifier() = default;
  // summary: one short line; body: a sentence or two. Plain text (the notifier escapes markup).
  virtual void notify(const std::string& summary, const std::string& body) = 0;
};

}  // namespace mamori::drivers
