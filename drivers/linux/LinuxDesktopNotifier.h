#pragma once
// Desktop notifications on Linux: for every signed-in user who has a session bus
// (<userRuntimeRoot>/<uid>/bus, a socket owned by that uid; root's own is left out), runs
// notify-send as that user (its groups and ids, no_new_privs, a clean environment naming the bus,
// killed after 15 s) without waiting for it. The text passes through common::visibleText and is
// escaped for the notification body's markup, so a device or program name cannot style or link.

#include <string>

#include "drivers/include/DesktopNotifier.h"

namespace mamori::drivers {

class LinuxDesktopNotifier final : public DesktopNotifier {
 public:
  explicit LinuxDesktopNotifier(std::string userRuntimeRoot = "/run/user",
                                std::string program = "/usr/bin/notify-send");
  void notify(const std::string& summary, const std::string& body) override;

 private:
  std::string root_;
  std::string program_;
};

// "a < b & c" -> "a &lt; b &amp; c" (the Desktop Notifications body markup).
std::string escapeNotificationMarkup(const std::string& text);

}  // namespace mamori::drivers
