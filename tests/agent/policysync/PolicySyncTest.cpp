// The policy sync's state machine with a scripted transport: what is applied, refused, persisted,
// and what falls back, and which events say so.

#include <Poco/JSONString.h>
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "agent/policysync/PolicySync.h"
#include "agent/report/ReportingCapability.h"
#include "common/Crypto.h"
#include "common/EventJson.h"
#include "common/Files.h"
#include "policy/DefaultPolicy.h"
#include "policy/PolicyParser.h"
#include "policy/SignedPolicy.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/report/FakeTransport.h"

namespace mamori::agent {
namespace {

// Remembers what it was asked to apply; can be told to refuse.
class RecordingCapability final : public Capability {
 public:
  std::string name() const override { return "recording"; }
  common::Status apply(const policy::Policy& policy) override {
    if (refuse) return common::makeError("refused for the test");
    applied.push_back(policy);
    return common::Ok{};
  }
  std::vector<policy::Policy> applied;
  bool refuse = false;
};

std::string quote(const std::string& text) { return Poco::toJSON(text); }

std::string doc(std::int64_t version, const std::string& group = "office", const std::string& extra = "") {
  return R"({"schema_version":1,"version":)" + std::to_string(version) + R"(,"name":"v)" + std::to_string(version) +
         R"(","group":")" + group + R"(","reporting":{"policy_poll_interval_ms":5000})" + extra + "}";
}

struct Fixture {
  Fixture() {
    test::qtApp();
    REQUIRE(spool.ok());
    REQUIRE(identity.ok());
    Identity id = identity.value().identity();
    id.nodeKey = std::string(64, 'a');
    id.group = "office";
    REQUIRE(identity.value().save(id).ok());
    REQUIRE(PolicyFiles(dir.path()).savePinnedKey(key.publicKey()).ok());
    recorder = &static_cast<RecordingCapability&>(capabilities.add(std::make_unique<RecordingCapability>()));
  }

  std::unique_ptr<PolicySync> makeSync() {
    return std::make_unique<PolicySync>(transport, identity.value(), *spool.value(), events, capabilities, dir.path(),
                                        clock, [] { return 1.0; });
  }

  std::string envelope(const std::string& document, const common::SigningKey& by) {
    auto made = policy::makeSignedPolicyEnvelope(by, document);
    REQUIRE(made.ok());
    return made.value();
  }
  std::string envelope(const std::string& document) { return envelope(document, key); }

  // Answers the pending GET /api/v1/policy with this envelope.
  void serve(const std::string& envelopeText, const std::string& group = "office") {
    REQUIRE(transport.hasPending());
    CHECK(transport.front().method == "GET");
    CHECK(transport.front().path == "/api/v1/policy");
    transport.answer(200, R"({"group":")" + group + R"(","envelope":)" + envelopeText + "}");
  }

  // Spooled events of a type, oldest first (and forgets them).
  std::vector<common::Event> take(const std::string& type) {
    auto batch = spool.value()->readBatch(1000, 1 << 30);
    REQUIRE(batch.ok());
    REQUIRE(spool.value()->acknowledge(batch.value().ids).ok());
    std::vector<common::Event> out;
    for (const auto& line : batch.value().jsonLines) {
      auto event = common::parseEvent(line);
      REQUIRE(event.ok());
      if (event.value().type == type) out.push_back(event.value());
    }
    return out;
  }

  test::TempDir dir;
  common::FakeClock clock{1'795'000'000'000};
  EventFactory events{"01a20659-6589-7386-997e-0d7b84f7e110", "pc-1", clock};
  common::Result<std::unique_ptr<Spool>> spool = Spool::open(dir.file("spool.db"), {}, events);
  common::Result<IdentityStore> identity = IdentityStore::load(dir.file("identity.json"), clock.nowMs());
  test::FakeTransport transport;
  CapabilityRegistry capabilities;
  RecordingCapability* recorder = nullptr;
  common::SigningKey key = common::SigningKey::generate().value();
};

TEST_CASE("policy sync: built-in at start, then the collector's policy applied, persisted and reported") {
  Fixture f;
  auto sync = f.makeSync();
  REQUIRE(sync->start().ok());
  REQUIRE(f.recorder->applied.size() == 1);
  CHECK(f.recorder->applied.back().name == policy::builtinPolicy().name);
  CHECK(sync->appliedVersion() == 0);
  auto started = f.take("policy.applied");
  REQUIRE(started.size() == 1);
  CHECK(started[0].details->getValue<std::string>("policy.source") == "builtin");

  const std::string v2 = doc(2, "office", R"(,"device_control":{"mode":"audit"})");
  f.serve(f.envelope(v2));
  REQUIRE(f.recorder->applied.size() == 2);
  CHECK(f.recorder->applied.back().version == 2);
  CHECK(f.recorder->applied.back().deviceControl.mode == policy::Mode::kAudit);
  CHECK(sync->appliedVersion() == 2);
  CHECK(sync->status().version == 2);
  CHECK(sync->status().source == "collector");
  CHECK(sync->status().sha256 == common::sha256Hex(v2));
  CHECK(sync->nextPollMs() == 5000);  // the new policy's interval, jitter factor 1.0
  auto applied = f.take("policy.applied");
  REQUIRE(applied.size() == 1);
  CHECK(applied[0].details->getValue<std::string>("policy.mode.device_control") == "audit");
  CHECK(applied[0].details->getValue<std::string>("policy.sha256") == common::sha256Hex(v2));
  CHECK(common::fileExists(f.dir.file("policy.json")));
  CHECK_FALSE(common::fileExists(f.dir.file("policy.json.prev")));  // nothing good before it but the built-in

  // Served again: nothing happens.
  sync->fetchNow();
  f.serve(f.envelope(v2));
  CHECK(f.recorder->applied.size() == 2);
  CHECK(f.take("policy.applied").empty());
}

TEST_CASE("policy sync: a local policy file instead of the built-in one, or over the persisted one") {
  Fixture f;
  const std::string local = doc(1, "office", R"(,"p2p_guard":{"mode":"audit"})");
  {
    // Nothing persisted: the built-in policy never acts; the file is what the capabilities get first.
    auto sync = f.makeSync();
    sync->setLocalPolicy(policy::parsePolicy(local).policy.value(), "/etc/trial.json", common::sha256Hex(local));
    REQUIRE(sync->start().ok());
    REQUIRE(f.recorder->applied.size() == 1);
    CHECK(f.recorder->applied[0].p2pGuard.mode == policy::Mode::kAudit);
    CHECK(sync->status().source == "local");
    CHECK(sync->appliedVersion() == 0);  // any collector policy may replace it
    auto applied = f.take("policy.applied");
    REQUIRE(applied.size() == 1);
    CHECK(applied[0].details->getValue<std::string>("policy.source") == "local");
    CHECK(applied[0].details->getValue<std::string>("policy.sha256") == common::sha256Hex(local));
    f.serve(f.envelope(doc(2)));  // the collector's, persisted
    REQUIRE(sync->appliedVersion() == 2);
  }
  f.take("policy.applied");
  f.recorder->applied.clear();
  // A collector policy persisted: it is installed (its version still refuses rollbacks), the file over it.
  auto sync = f.makeSync();
  sync->setLocalPolicy(policy::parsePolicy(local).policy.value(), "/etc/trial.json", common::sha256Hex(local));
  REQUIRE(sync->start().ok());
  REQUIRE(f.recorder->applied.size() == 2);
  CHECK(f.recorder->applied[0].version == 2);
  CHECK(f.recorder->applied[1].p2pGuard.mode == policy::Mode::kAudit);
  CHECK(sync->status().source == "persisted");
  CHECK(sync->appliedVersion() == 2);
}

TEST_CASE("policy sync: rollback, foreign key and tampering are refused once each; the last good policy stays") {
  Fixture f;
  auto sync = f.makeSync();
  REQUIRE(sync->start().ok());
  f.serve(f.envelope(doc(3)));
  REQUIRE(sync->appliedVersion() == 3);
  f.take("policy.applied");

  auto refusedWith = [&](const std::string& envelope, const char* reason) {
    sync->fetchNow();
    f.serve(envelope);
    CHECK(sync->appliedVersion() == 3);
    CHECK(f.recorder->applied.back().version == 3);
    auto rejected = f.take("policy.rejected");
    REQUIRE(rejected.size() == 1);
    CHECK(rejected[0].details->getValue<std::string>("policy.reason") == reason);
    CHECK(sync->status().error.find(reason) != std::string::npos);
    // The same envelope at the next poll: still refused, not reported again.
    sync->fetchNow();
    f.serve(envelope);
    CHECK(f.take("policy.rejected").empty());
  };
  refusedWith(f.envelope(doc(2)), "rollback");
  refusedWith(f.envelope(doc(3, "office", R"(,"description":"same version, other bytes")")), "rollback");
  refusedWith(f.envelope(doc(4, "lab")), "wrong_group");
  refusedWith(f.envelope(doc(5), common::SigningKey::generate().value()), "unknown_key");
  auto tampered = policy::parseSignedPolicyEnvelope(f.envelope(doc(6))).value();
  tampered.document = doc(7);
  refusedWith(policy::envelopeToJson(tampered), "bad_signature");
  refusedWith(R"({"envelope":1})", "malformed_envelope");
  CHECK(f.take("policy.applied").empty());

  // A good newer one is applied and clears the error.
  sync->fetchNow();
  f.serve(f.envelope(doc(8)));
  CHECK(sync->appliedVersion() == 8);
  CHECK(sync->status().error.empty());
}

TEST_CASE("policy sync: the persisted policy at start, and falling back from a corrupt file") {
  Fixture f;
  {
    auto sync = f.makeSync();
    REQUIRE(sync->start().ok());
    f.serve(f.envelope(doc(2)));
    sync->fetchNow();
    f.serve(f.envelope(doc(3)));
    REQUIRE(sync->appliedVersion() == 3);
  }
  f.take("policy.applied");
  REQUIRE(common::fileExists(f.dir.file("policy.json.prev")));

  auto restart = [&] {
    auto sync = f.makeSync();
    REQUIRE(sync->start().ok());
    return sync;
  };
  {
    auto sync = restart();
    CHECK(sync->appliedVersion() == 3);
    CHECK(sync->status().source == "persisted");
    CHECK(f.take("policy.fallback").empty());
    f.serve(f.envelope(doc(3)));  // answered while this sync exists: its callback must not outlive it
  }
  {
    REQUIRE(common::writeFileAtomically(f.dir.file("policy.json"), "{\"envelope\":1,\"algo", 0600).ok());
    auto sync = restart();
    CHECK(sync->appliedVersion() == 2);
    CHECK(sync->status().source == "persisted");
    f.serve(f.envelope(doc(3)));  // the collector's current one comes back at the first fetch
    CHECK(sync->appliedVersion() == 3);
  }
  auto fallbacks = f.take("policy.fallback");
  REQUIRE(fallbacks.size() == 1);
  CHECK(fallbacks[0].details->getValue<std::string>("policy.file") == f.dir.file("policy.json"));
  CHECK(fallbacks[0].details->getValue<std::string>("policy.fallback_to") == f.dir.file("policy.json.prev"));
  {
    // Both copies bad (one signed by someone else): the built-in policy, two fallback events.
    REQUIRE(common::writeFileAtomically(f.dir.file("policy.json"), "garbage", 0600).ok());
    REQUIRE(common::writeFileAtomically(f.dir.file("policy.json.prev"),
                                        f.envelope(doc(9), common::SigningKey::generate().value()), 0600)
                .ok());
    auto sync = restart();
    CHECK(sync->appliedVersion() == 0);
    CHECK(sync->status().source == "builtin");
    auto both = f.take("policy.fallback");
    REQUIRE(both.size() == 2);
    CHECK(both[1].details->getValue<std::string>("policy.fallback_to") == "builtin");
    CHECK(both[1].details->getValue<std::string>("error.message").find("unknown_key") != std::string::npos);
  }
}

TEST_CASE("policy sync: enrollment pins the key and the group; a new group starts its own version sequence") {
  Fixture f;
  REQUIRE(std::remove(f.dir.file("policy-key.pem").c_str()) == 0);
  Identity id = f.identity.value().identity();
  id.nodeKey.clear();
  REQUIRE(f.identity.value().save(id).ok());
  auto sync = f.makeSync();
  REQUIRE(sync->start().ok());
  CHECK_FALSE(sync->pinned());
  CHECK_FALSE(f.transport.hasPending());  // not enrolled: nothing to ask yet

  REQUIRE(f.identity.value().setNodeKey(std::string(64, 'b')).ok());
  sync->onEnrolled(R"({"agent_id":"x","node_key":"y","group":"office","policy_public_key":)" +
                   quote(f.key.publicKey().pem()) + "}");
  CHECK(sync->pinned());
  CHECK(common::fileExists(f.dir.file("policy-key.pem")));
  f.serve(f.envelope(doc(7)));
  CHECK(sync->appliedVersion() == 7);

  // Another collector's key at a re-enrollment does not replace the pin.
  const auto other = common::SigningKey::generate().value();
  sync->onEnrolled(R"({"group":"office","policy_public_key":)" + quote(other.publicKey().pem()) + "}");
  f.serve(f.envelope(doc(8), other));
  CHECK(sync->appliedVersion() == 7);

  // Moved to "lab" by an administrator: lab's version 2 is accepted although 2 < 7.
  sync->fetchNow();
  f.serve(f.envelope(doc(2, "lab")), "lab");
  CHECK(sync->group() == "lab");
  CHECK(f.identity.value().identity().group == "lab");
  CHECK(sync->appliedVersion() == 2);
  CHECK(f.recorder->applied.back().group == "lab");
}

TEST_CASE("policy sync: an unreadable pinned key leaves the built-in policy in force and trusts nothing") {
  Fixture f;
  {
    auto sync = f.makeSync();
    REQUIRE(sync->start().ok());
    f.serve(f.envelope(doc(2)));
    REQUIRE(sync->appliedVersion() == 2);
  }
  f.take("policy.applied");
  REQUIRE(common::writeFileAtomically(f.dir.file("policy-key.pem"), "not a key", 0600).ok());
  auto sync = f.makeSync();
  REQUIRE(sync->start().ok());
  CHECK_FALSE(sync->pinned());
  CHECK(sync->status().source == "builtin");
  CHECK(f.take("policy.fallback").size() == 1);
  f.serve(f.envelope(doc(3)));
  CHECK(sync->appliedVersion() == 0);
  auto rejected = f.take("policy.rejected");
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].details->getValue<std::string>("policy.reason") == "unknown_key");
}

TEST_CASE("policy sync: a capability that refuses keeps the others applied and the event says so") {
  Fixture f;
  auto sync = f.makeSync();
  REQUIRE(sync->start().ok());
  f.take("policy.applied");
  f.recorder->refuse = true;
  f.serve(f.envelope(doc(2)));
  CHECK(sync->appliedVersion() == 2);
  auto applied = f.take("policy.applied");
  REQUIRE(applied.size() == 1);
  CHECK(applied[0].severity == common::Severity::Medium);
  CHECK(applied[0].details->has("policy.capability_errors"));
}

TEST_CASE("reporting capability: a policy's reporting section reconfigures the running pipeline") {
  Fixture f;
  RetryScheduler scheduler({500, 60'000});
  Uploader uploader(*f.spool.value(), f.transport, scheduler, f.identity.value(), {});
  Heartbeat heartbeat(f.transport, f.identity.value(), *f.spool.value(), f.events, {}, 60'000);
  ReportingCapability reporting(*f.spool.value(), uploader, heartbeat, scheduler, [](policy::ReportingSettings s) {
    s.batchMaxBytes = 4096;  // a command-line override wins
    return s;
  });
  auto parsed = policy::parsePolicy(
      R"({"schema_version":1,"version":2,"name":"r","group":"office","reporting":{"batch_max_events":10,)"
      R"("spool_max_events":1000,"heartbeat_interval_ms":1000,"retry_base_ms":100}})");
  INFO(parsed.describe());
  REQUIRE(parsed.ok());
  REQUIRE(reporting.apply(*parsed.policy).ok());
  CHECK(uploader.batchMaxEvents() == 10);
  CHECK(uploader.batchMaxBytes() == 4096);
  CHECK(f.spool.value()->limits().maxEvents == 1000);
  CHECK(heartbeat.intervalMs() == 1000);
  CHECK(reporting.settings().retryBaseMs == 100);
}

}  // namespace
}  // namespace mamori::agent
