#include "agent/activity/Correlator.h"

namespace mamori::agent::activity {

std::optional<IncidentReport> Correlator::add(const Evidence& evidence) {
  const std::int64_t windowMs = settings_.windowSeconds * 1000;
  forgetQuiet(evidence.timeMs);
  UserState& state = users_[evidence.user];
  if (state.incident) {
    IncidentReport& incident = *state.incident;
    incident.opened = false;
    incident.score += evidence.weight;
    incident.lastMs = evidence.timeMs;
    incident.evidence.push_back(evidence);
    if (incident.evidence.size() > kMaxEvidence) incident.evidence.erase(incident.evidence.begin());
    return incident;
  }
  while (!state.window.empty() && state.window.front().timeMs < evidence.timeMs - windowMs) state.window.pop_front();
  state.window.push_back(evidence);
  if (state.window.size() > kMaxEvidence) state.window.pop_front();
  std::int64_t score = 0;
  for (const auto& item : state.window) score += item.weight;
  if (score < settings_.threshold) return std::nullopt;
  IncidentReport incident;
  incident.opened = true;
  incident.incidentId = newId_();
  incident.user = evidence.user;
  incident.score = score;
  incident.firstMs = state.window.front().timeMs;
  incident.lastMs = evidence.timeMs;
  incident.evidence.assign(state.window.begin(), state.window.end());
  state.window.clear();
  state.incident = incident;
  return incident;
}

void Correlator::forgetQuiet(std::int64_t nowMs) {
  const std::int64_t windowMs = settings_.windowSeconds * 1000;
  for (auto it = users_.begin(); it != users_.end();) {
    UserState& state = it->second;
    if (state.incident && state.incident->lastMs < nowMs - windowMs) state.incident.reset();
    while (!state.window.empty() && state.window.front().timeMs < nowMs - windowMs) state.window.pop_front();
    it = (!state.incident && state.window.empty()) ? users_.erase(it) : std::next(it);
  }
}

std::size_t Correlator::openIncidents() const {
  std::size_t open = 0;
  for (const auto& [user, state] : users_) open += state.incident ? 1 : 0;
  return open;
}

}  // namespace mamori::agent::activity
