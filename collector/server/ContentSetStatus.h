#pragma once
// The fingerprint and exact-data-match sets an agent reports in its heartbeat (content.sets,
// docs/events.md): which version of each set its policy names is in use, and the last refusal. The
// collector keeps the list as its own JSON array in agents.content_sets and shows it as is in
// GET /api/v1/agents ("content_sets"), so an administrator sees per agent which sets it applied.

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

namespace mamori::collector::server {

// At most this many sets per agent are kept (a policy names a few).
inline constexpr std::size_t kMaxReportedSets = 64;
// A refusal's reason is cut to this many bytes (at a character boundary).
inline constexpr std::size_t kMaxSetErrorBytes = 512;

// The heartbeat's content.sets as the JSON array to store: [{"kind","name","version","entries",
// "bytes","refused_version","error"}], entries of an unknown kind or a malformed name left out.
// nullopt when the heartbeat has no content.sets array (an older agent): the stored list stays.
std::optional<std::string> heartbeatContentSets(const Poco::JSON::Object::Ptr& details);

// The stored array as GET /api/v1/agents shows it ("[]" before the agent reported one).
std::string contentSetsJson(const std::string& stored);

}  // namespace mamori::collector::server
