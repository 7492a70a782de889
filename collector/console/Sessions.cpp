#include "collector/console/Sessions.h"

#include <cctype>

namespace mamori::collector::console {

std::string canonicalRole(const std::string& role) {
  if (role == "admin" || role == kRoleAdministrator) return kRoleAdministrator;
  if (role == kRoleViewer) return kRoleViewer;
  return {};
}

bool sessionExpired(std::int64_t createdMs, std::int64_t lastSeenMs, std::int64_t nowMs, const SessionLimits& limits) {
  return nowMs - lastSeenMs >= limits.idleMs || nowMs - createdMs >= limits.absoluteMs || nowMs < createdMs;
}

std::string cookieValue(const std::string& cookieHeader, const std::string& name) {
  std::size_t pos = 0;
  while (pos < cookieHeader.size()) {
    auto end = cookieHeader.find(';', pos);
    if (end == std::string::npos) end = cookieHeader.size();
    std::string pair = cookieHeader.substr(pos, end - pos);
    pair.erase(0, pair.find_first_not_of(' '));
    const auto eq = pair.find('=');
    if (eq != std::string::npos && pair.compare(0, eq, name) == 0 && eq == name.size()) {
      std::string value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      return value;
    }
    pos = end + 1;
  }
  return {};
}

std::string sessionCookie(const std::string& sessionId, std::int64_t maxAgeMs) {
  return std::string(kSessionCookie) + "=" + sessionId +
         "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(maxAgeMs / 1000);
}

std::string clearedSessionCookie() {
  return std::string(kSessionCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0";
}

FailureState afterFailure(const FailureState& before, std::int64_t nowMs, const FailureRule& rule) {
  FailureState state = before;
  if (state.failures == 0 || nowMs - state.windowStartMs > rule.windowMs || nowMs < state.windowStartMs) {
    state.failures = 0;
    state.windowStartMs = nowMs;
  }
  ++state.failures;
  if (state.failures >= rule.maxFailures) {
    state.lockedUntilMs = nowMs + rule.lockMs;
    state.failures = 0;  // a new window starts when the lock ends
    state.windowStartMs = nowMs + rule.lockMs;
  }
  return state;
}

bool isValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  }
  return true;
}

}  // namespace mamori::collector::console
