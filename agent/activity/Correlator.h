#pragma once
// Correlates activity events into incidents. Pure: evidence in (with its time), incident reports out.
//
// Per user: events within `windowSeconds` of the newest one add their weights; when the sum reaches
// `threshold`, an incident opens with every event of the window as its evidence chain. While it is
// open, each further event of that user updates it (score and chain grow). An incident closes when the
// user has had no event for a whole window; the next event starts afresh.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "policy/ActivitySettings.h"

namespace mamori::agent::activity {

struct Evidence {
  std::string eventId;
  std::string type;  // "activity.removable_write", ...
  std::int64_t timeMs = 0;
  std::string user;
  pid_t pid = 0;
  std::string processName;
  std::string path;  // the file, archive or print job title
  std::int64_t weight = 0;
};

struct IncidentReport {
  bool opened = false;  // incident.opened, else incident.updated
  std::string incidentId;
  std::string user;
  std::int64_t score = 0;
  std::int64_t firstMs = 0;
  std::int64_t lastMs = 0;
  std::vector<Evidence> evidence;  // oldest first, at most Correlator::kMaxEvidence (the newest kept)
};

class Correlator {
 public:
  // The collector takes at most 256 keys per event's details: 30 links of 6 keys fit with room.
  static constexpr std::size_t kMaxEvidence = 30;

  Correlator(policy::IncidentSettings settings, std::function<std::string()> newId)
      : settings_(settings), newId_(std::move(newId)) {}
  void setSettings(policy::IncidentSettings settings) { settings_ = settings; }

  std::optional<IncidentReport> add(const Evidence& evidence);

  std::size_t openIncidents() const;

 private:
  struct UserState {
    std::deque<Evidence> window;  // before an incident opens: the events of the last window
    std::optional<IncidentReport> incident;
  };

  void forgetQuiet(std::int64_t nowMs);

  policy::IncidentSettings settings_;
  std::function<std::string()> newId_;
  std::map<std::string, UserState> users_;
};

}  // namespace mamori::agent::activity
