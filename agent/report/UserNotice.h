#pragma once
// What the person at the PC is told, on the desktop, about an event the agent reports: a device the
// policy blocked on any channel, a disc drive that refused a burning program (and how to ask for
// either), a file-sharing program stopped, a print job refused. Most events say nothing to
// the user. Pure: event type and details in, text out.

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

namespace mamori::agent {

struct UserNotice {
  std::string summary;  // one short line
  std::string body;     // plain text; the notifier escapes it
};

std::optional<UserNotice> userNoticeFor(const std::string& type, const Poco::JSON::Object::Ptr& details);

}  // namespace mamori::agent
