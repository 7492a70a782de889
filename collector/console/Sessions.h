#pragma once
// The console's session rules as pure functions (docs/decisions/0012-console-auth.md): the cookie,
// when a session has expired, and how failed sign-ins lock an account or an address for a while.

#include <cstdint>
#include <string>

namespace mamori::collector::console {

// "__Host-" makes browsers accept the cookie only with Secure, Path=/ and no Domain, so a sibling
// host or a plain-HTTP page cannot plant or overwrite it.
inline constexpr const char* kSessionCookie = "__Host-mamori_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

inline constexpr const char* kRoleAdministrator = "administrator";
inline constexpr const char* kRoleViewer = "viewer";

struct SessionLimits {
  std::int64_t idleMs = 30LL * 60 * 1000;           // no request for this long: signed out
  std::int64_t absoluteMs = 12LL * 60 * 60 * 1000;  // signed out this long after login, active or not
};

// "admin" / "administrator" -> "administrator", "viewer" -> "viewer", anything else -> "".
std::string canonicalRole(const std::string& role);

bool sessionExpired(std::int64_t createdMs, std::int64_t lastSeenMs, std::int64_t nowMs, const SessionLimits& limits);

// The value of cookie `name` in a Cookie request header ("a=1; b=2"), or "" when absent.
std::string cookieValue(const std::string& cookieHeader, const std::string& name);

// The Set-Cookie value that stores a session id, and the one that removes it.
std::string sessionCookie(const std::string& sessionId, std::int64_t maxAgeMs);
std::string clearedSessionCookie();

// Failed sign-ins per subject ("user:<name>" or "ip:<address>"): maxFailures within windowMs lock
// the subject for lockMs.
struct FailureRule {
  int maxFailures = 5;
  std::int64_t windowMs = 15LL * 60 * 1000;
  std::int64_t lockMs = 15LL * 60 * 1000;
};

inline constexpr FailureRule kUserFailureRule{5, 15LL * 60 * 1000, 15LL * 60 * 1000};
// An address gets more tries: several people may sit behind one NAT.
inline constexpr FailureRule kAddressFailureRule{20, 15LL * 60 * 1000, 15LL * 60 * 1000};

struct FailureState {
  int failures = 0;
  std::int64_t windowStartMs = 0;
  std::int64_t lockedUntilMs = 0;  // 0 = not locked
};

// The state after one more failure at nowMs.
FailureState afterFailure(const FailureState& before, std::int64_t nowMs, const FailureRule& rule);

// A user name for a console account: 1..64 bytes of letters, digits, '.', '_', '-', '@'.
bool isValidUserName(const std::string& name);

}  // namespace mamori::collector::console
