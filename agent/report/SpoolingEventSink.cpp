#include "agent/report/SpoolingEventSink.h"

#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "common/Log.h"

namespace mamori::agent {

std::string eventLogLine(const std::string& type, const Poco::JSON::Object::Ptr& details) {
  std::ostringstream json;
  Poco::JSON::Stringifier::stringify(details, json);
  return "event " + type + " " + json.str();
}

std::string SpoolingEventSink::report(const std::string& type, common::Severity severity,
                                      Poco::JSON::Object::Ptr details) {
  if (!details) details = makeDetails();
  common::log::info(eventLogLine(type, details));
  common::Event event = events_.make(type, severity, std::move(details));
  event.user = event.details->optValue<std::string>("user.name", "");
  std::string id = event.id;
  if (auto spooled = spool_.append({std::move(event)}); !spooled) {
    common::log::error("spool: " + spooled.error().describe());
  }
  uploader_.kick();
  return id;
}

}  // namespace mamori::agent
