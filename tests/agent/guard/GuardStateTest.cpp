// The guard's state: the running marker, the integrity digests, and the control requests as the
// agent answers them (token refused -> agent.tamper; valid token -> stop with exit status 4).
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "agent/guard/Integrity.h"
#include "agent/guard/RunMarker.h"
#include "agent/guard/ServiceGuard.h"
#include "common/Crypto.h"
#include "common/Files.h"
#include "drivers/fake/FakeFileHasher.h"
#include "drivers/fake/FakeProcessUsage.h"
#include "tests/support/CallbackEventSink.h"
#include "tests/support/TempDir.h"

using namespace mamori::agent::guard;
using mamori::drivers::fake::FakeFileHasher;
using mamori::drivers::fake::FakeProcessUsage;
using mamori::testsupport::TempDir;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::trunc) << text; }

struct Recorded {
  std::vector<std::pair<std::string, Poco::JSON::Object::Ptr>> events;
  std::vector<std::pair<int, std::string>> stops;
  std::vector<std::string> notifications;
  std::int64_t now = 1'000;
  mamori::testsupport::CallbackEventSink sink{
      [this](const std::string& type, mamori::common::Severity, const Poco::JSON::Object::Ptr& details) {
        events.emplace_back(type, details);
      }};
};

std::unique_ptr<ServiceGuard> makeGuard(ServiceGuardSettings settings, FakeProcessUsage& usage, Recorded& recorded) {
  settings.nowMs = [&recorded] { return recorded.now; };
  return std::make_unique<ServiceGuard>(
      settings, usage, recorded.sink,
      [&recorded](int code, const std::string& why) { recorded.stops.emplace_back(code, why); },
      [&recorded](const std::string& message) { recorded.notifications.push_back(message); }, 0);
}

}  // namespace

TEST_CASE("the running marker reveals an unclean end of the previous run") {
  TempDir state;
  RunMarker first(state.path());
  auto clean = first.markRunning(111, 5'000);
  REQUIRE(clean.ok());
  CHECK_FALSE(clean.value().has_value());  // first start ever
  REQUIRE(first.clear().ok());

  RunMarker second(state.path());
  REQUIRE(second.markRunning(222, 6'000).ok());
  // ... killed here: no clear().
  RunMarker third(state.path());
  auto unclean = third.markRunning(333, 7'000);
  REQUIRE(unclean.ok());
  REQUIRE(unclean.value().has_value());
  CHECK(unclean.value()->pid == 222);
  CHECK(unclean.value()->startedMs == 6'000);

  // Garbage in the marker is still an unclean stop, with unknown details.
  write(state.file("running"), "\x01garbage");
  auto damaged = RunMarker(state.path()).markRunning(444, 8'000);
  REQUIRE(damaged.ok());
  REQUIRE(damaged.value().has_value());
  CHECK(damaged.value()->pid == 0);
}

TEST_CASE("integrity: the first check records, later checks report changed, removed and added files") {
  TempDir dir;
  FakeFileHasher files;
  const auto hashFile = [&files](const std::string& path) { return files.sha256(path); };
  files.write("/usr/sbin/mamori-agent", "binary v1");
  files.write("/lib/systemd/system/mamori-agent.service", "[Service]\n");
  const std::vector<WatchedFile> watched = {{"binary", "/usr/sbin/mamori-agent"},
                                            {"unit", "/lib/systemd/system/mamori-agent.service"},
                                            {"config", "/etc/mamori/agent.conf"}};
  auto first = checkIntegrity(dir.file("integrity"), watched, hashFile);
  REQUIRE(first.ok());
  CHECK(first.value().empty());
  auto same = checkIntegrity(dir.file("integrity"), watched, hashFile);
  REQUIRE(same.ok());
  CHECK(same.value().empty());

  files.write("/usr/sbin/mamori-agent", "binary v2 (patched)");
  files.remove("/lib/systemd/system/mamori-agent.service");
  files.write("/etc/mamori/agent.conf", "collector = https://elsewhere\n");
  auto changed = checkIntegrity(dir.file("integrity"), watched, hashFile);
  REQUIRE(changed.ok());
  REQUIRE(changed.value().size() == 3);
  CHECK(changed.value()[0].name == "binary");
  CHECK(changed.value()[0].before == mamori::common::sha256Hex("binary v1"));
  CHECK(changed.value()[0].after == mamori::common::sha256Hex("binary v2 (patched)"));
  CHECK(changed.value()[1].name == "unit");
  CHECK(changed.value()[1].after.empty());
  CHECK(changed.value()[2].name == "config");
  CHECK(changed.value()[2].before.empty());

  // A file watched for the first time (new option) is only recorded.
  auto more = watched;
  more.push_back({"token_hash", "/usr/sbin/mamori-agent"});
  auto added = checkIntegrity(dir.file("integrity"), more, hashFile);
  REQUIRE(added.ok());
  CHECK(added.value().empty());

  // A file that is there but cannot be read stops the check: it is not taken for a removal.
  const auto denied = [](const std::string& path) -> mamori::common::Result<std::string> {
    return mamori::common::makeError(mamori::common::ErrorKind::kDenied, "cannot open", path);
  };
  CHECK_FALSE(checkIntegrity(dir.file("integrity"), watched, denied).ok());
}

TEST_CASE("ctl stop without the right token is refused and reported as agent.tamper") {
  TempDir dir;
  const std::string token = "the-admins-token";
  write(dir.file("token.sha256"), mamori::common::sha256Hex(token) + "  token\n");
  ServiceGuardSettings settings;
  settings.tokenHashFile = dir.file("token.sha256");
  FakeProcessUsage usage;
  Recorded recorded;
  auto guard = makeGuard(settings, usage, recorded);

  auto none = guard->handle({ControlCommand::Stop, ""});
  CHECK(none.outcome == ControlOutcome::Refused);
  auto wrong = guard->handle({ControlCommand::Remove, "guess"});
  CHECK(wrong.outcome == ControlOutcome::Refused);
  CHECK(recorded.stops.empty());
  REQUIRE(recorded.events.size() == 2);
  CHECK(recorded.events[0].first == "agent.tamper");
  CHECK(recorded.events[0].second->getValue<std::string>("tamper.action") == "stop");
  CHECK(recorded.events[0].second->getValue<std::string>("tamper.reason") == "no token given");
  CHECK(recorded.events[1].second->getValue<std::string>("tamper.action") == "package_removal");
  CHECK(recorded.events[1].second->getValue<std::string>("tamper.reason") == "the token does not match");

  auto right = guard->handle({ControlCommand::Stop, token});
  CHECK(right.outcome == ControlOutcome::Ok);
  REQUIRE(recorded.stops.size() == 1);
  CHECK(recorded.stops[0].first == kExitStopRequested);
  CHECK(recorded.events.size() == 2);
}

TEST_CASE("a damaged token hash refuses every stop; no hash file means no protection") {
  TempDir dir;
  write(dir.file("token.sha256"), "garbage\n");
  ServiceGuardSettings settings;
  settings.tokenHashFile = dir.file("token.sha256");
  FakeProcessUsage usage;
  Recorded recorded;
  auto guard = makeGuard(settings, usage, recorded);
  CHECK(guard->handle({ControlCommand::Stop, "anything"}).outcome == ControlOutcome::Refused);
  REQUIRE(recorded.events.size() == 1);
  CHECK(recorded.events[0].second->getValue<std::string>("tamper.reason").find("unusable") != std::string::npos);

  settings.tokenHashFile = dir.file("absent.sha256");
  Recorded open;
  auto unprotected = makeGuard(settings, usage, open);
  CHECK(unprotected->handle({ControlCommand::Stop, ""}).outcome == ControlOutcome::Ok);
  CHECK(open.events.empty());
  REQUIRE(open.stops.size() == 1);
}

TEST_CASE("ctl exception hands the code to device control's inbox") {
  TempDir dir;
  ServiceGuardSettings settings;
  settings.exceptionInbox = dir.file("exceptions");
  FakeProcessUsage usage;
  Recorded recorded;
  auto guard = makeGuard(settings, usage, recorded);
  CHECK(guard->handle({ControlCommand::Exception, "RESPONSE-CODE"}).outcome == ControlOutcome::Ok);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(settings.exceptionInbox)) {
    files.push_back(entry.path());
  }
  REQUIRE(files.size() == 1);
  CHECK(mamori::common::readSmallFile(files[0]).value() == "RESPONSE-CODE\n");

  settings.exceptionInbox.clear();  // device control off
  auto off = makeGuard(settings, usage, recorded);
  CHECK(off->handle({ControlCommand::Exception, "X"}).outcome == ControlOutcome::Error);
}

TEST_CASE("the policy's agent_limits drive the limit check: a breach is agent.limit_exceeded and exit 3") {
  ServiceGuardSettings settings;
  settings.limitWindowMs = 10'000;
  FakeProcessUsage usage;
  usage.next.ticksPerSecond = 100;
  usage.next.residentKib = std::int64_t{10} * 1024;
  usage.next.threads = {{1, "mamori-agent", 0}, {2, "mamori-scan", 0}};
  Recorded recorded;
  auto guard = makeGuard(settings, usage, recorded);
  mamori::policy::Policy policy;
  policy.agentLimits.cpuPercent = 10;
  policy.agentLimits.memoryMib = 512;
  REQUIRE(guard->apply(policy).ok());
  guard->checkLimits();  // baseline
  // The start-up grace (LimitSettings::startupGraceWindows), then three windows over the limit.
  const int grace = mamori::agent::guard::LimitSettings{}.startupGraceWindows;
  for (int window = 1; window <= grace + 3; ++window) {
    CHECK(recorded.events.empty());
    recorded.now += 10'000;
    usage.next.threads[1].cpuTicks += 500;  // 50 % of a core
    guard->checkLimits();
  }
  REQUIRE(recorded.events.size() == 1);
  CHECK(recorded.events[0].first == "agent.limit_exceeded");
  const auto& details = recorded.events[0].second;
  CHECK(details->getValue<std::string>("limit.resource") == "cpu");
  CHECK(details->getValue<std::string>("agent.component") == "mamori-scan");
  CHECK(details->getValue<double>("limit.measured") == doctest::Approx(50.0));
  REQUIRE(recorded.stops.size() == 1);
  CHECK(recorded.stops[0].first == kExitLimitExceeded);
}
