#pragma once
// Every event a capability reports also goes to the agent's log as one line, "event <type> <json>":
// an administrator without a collector (or waiting for an upload) sees in the journal what the PC
// reported (`journalctl -u mamori-agent | grep ' event '`).

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <string>

#include "common/Log.h"

namespace mamori::agent {

inline void logEventLine(const std::string& type, const Poco::JSON::Object::Ptr& details) {
  std::ostringstream json;
  Poco::JSON::Stringifier::stringify(details, json);
  common::log::info("event " + type + " " + json.str());
}

}  // namespace mamori::agent
