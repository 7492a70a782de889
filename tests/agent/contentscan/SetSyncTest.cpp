#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "agent/contentscan/SetSync.h"
#include "common/Files.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/SignedSet.h"
#include "tests/agent/TestSupport.h"
#include "tests/agent/report/FakeTransport.h"
#include "tests/support/CallbackEventSink.h"
#include "tests/support/TempDir.h"

namespace mamori::agent::contentscan {
namespace {

namespace fp = fingerprint;

// A signed EDM set file of one row, as the collector serves it.
std::string setFile(const common::SigningKey& signer, const fp::FingerprintKey& key, std::int64_t version,
                    const std::string& name = "customers") {
  const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kPhone};
  std::vector<fp::EdmEntry> entries;
  fp::hashEdmRow(key, columns, {"山田 太郎", "03-1234-5678"}, 0, entries);
  auto set = fp::buildEdmSet(name, version, key.keyId(), columns, 2, 1, entries);
  REQUIRE(set);
  set.value().createdAt = "2026-12-06T22:00:00.000Z";
  auto signedSet = fp::signSetArtifact(signer, fp::edmArtifact(set.value()));
  REQUIRE(signedSet);
  return fp::appendFleetKey(std::move(signedSet).value(), key.text());
}

struct Fixture {
  Fixture() {
    test::qtApp();
    REQUIRE(identity.ok());
    Identity id = identity.value().identity();
    id.nodeKey = std::string(64, 'a');
    REQUIRE(identity.value().save(id).ok());
    REQUIRE(common::writeFileAtomically(dir.file("policy-key.pem"), signer.publicKey().pem(), 0644).ok());
    policy.contentScan.edm.push_back({"customers", 2});
  }

  std::unique_ptr<SetSync> makeSync() {
    return std::make_unique<SetSync>(transport, identity.value(), sink, sets, dir.path(),
                                     [this](const policy::Policy&) { ++changes; });
  }

  std::vector<std::string> events;
  std::vector<Poco::JSON::Object::Ptr> details;
  test::TempDir dir;
  common::Result<IdentityStore> identity = IdentityStore::load(dir.file("identity.json"), 0);
  test::FakeTransport transport;
  testsupport::CallbackEventSink sink{
      [this](const std::string& type, common::Severity, const Poco::JSON::Object::Ptr& d) {
        events.push_back(type);
        details.push_back(d);
        return std::string("id");
      }};
  std::shared_ptr<ContentSets> sets = std::make_shared<ContentSets>();
  common::SigningKey signer = common::SigningKey::generate().value();
  fp::FingerprintKey key = fp::FingerprintKey::generate().value();
  policy::Policy policy;
  int changes = 0;
};

}  // namespace

TEST_CASE("a named set is fetched, verified, kept and used; replays, other signers and failures are not") {
  Fixture f;
  auto sync = f.makeSync();
  REQUIRE(sync->apply(f.policy));
  REQUIRE(f.transport.hasPending());
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=0");
  f.transport.answer(200, setFile(f.signer, f.key, 2));
  CHECK(f.sets->version(SetKind::kEdm, "customers") == 2);
  CHECK(f.events == std::vector<std::string>{"content.set_applied"});
  CHECK(f.changes == 1);
  const std::string kept = SetSync::setPath(f.dir.path(), SetKind::kEdm, "customers");
  struct stat info {};
  REQUIRE(::stat(kept.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  scan::ScanConfig config;
  f.sets->attach(config, f.policy.contentScan);
  REQUIRE(config.edmSets.size() == 1);
  CHECK(config.edmSets[0].minRows == 2);

  // The collector has nothing newer.
  sync->checkNow();
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=2");
  f.transport.answer(304, "");
  // An older version (a replay), another signer's set, changed bytes: refused, version 2 stays.
  for (const std::string& bad : {setFile(f.signer, f.key, 1), setFile(common::SigningKey::generate().value(), f.key, 3),
                                 [&] {
                                   std::string file = setFile(f.signer, f.key, 3);
                                   file[200] = static_cast<char>(file[200] ^ 1);  // inside the signed artifact
                                   return file;
                                 }(),
                                 setFile(f.signer, f.key, 3, "other")}) {
    sync->checkNow();
    f.transport.answer(200, bad);
    CHECK(f.sets->version(SetKind::kEdm, "customers") == 2);
    CHECK(f.events.back() == "content.set_rejected");
    CHECK(f.details.back()->getValue<std::int64_t>("content.set.version") == 2);
  }
  CHECK(f.changes == 1);
  // A network failure is retried by the scheduler, not at once.
  sync->checkNow();
  f.transport.failNetwork();
  CHECK_FALSE(f.transport.hasPending());

  // After a restart the kept copy is in use before the collector answers.
  Fixture restarted;
  auto again = std::make_unique<SetSync>(restarted.transport, restarted.identity.value(), restarted.sink,
                                         restarted.sets, f.dir.path(), [](const policy::Policy&) {});
  REQUIRE(common::writeFileAtomically(f.dir.file("policy-key.pem"), f.signer.publicKey().pem(), 0644).ok());
  REQUIRE(again->apply(f.policy));
  CHECK(restarted.sets->version(SetKind::kEdm, "customers") == 2);
  REQUIRE_FALSE(restarted.events.empty());
  CHECK(restarted.events.front() == "content.set_applied");
  CHECK(restarted.details.front()->getValue<std::string>("content.set.source") == "state");
}

TEST_CASE("a refused set is not downloaded again at every poll; a newer one is") {
  Fixture f;
  auto sync = f.makeSync();
  // What the heartbeat carries (content.sets): the version in use and the last refusal.
  std::vector<ContentSetStatus> status;
  int told = 0;
  sync->setStatusListener([&](std::vector<ContentSetStatus> now) {
    status = std::move(now);
    ++told;
  });
  REQUIRE(sync->apply(f.policy));
  REQUIRE(status.size() == 1);
  CHECK(status[0].kind == "edm");
  CHECK(status[0].name == "customers");
  CHECK(status[0].version == 0);  // asked, not held yet
  const std::string good = setFile(f.signer, f.key, 2);
  f.transport.answer(200, good);
  REQUIRE(f.sets->version(SetKind::kEdm, "customers") == 2);
  CHECK(status[0].version == 2);
  CHECK(status[0].entries > 0);
  CHECK(status[0].bytes == static_cast<std::int64_t>(good.size()));
  CHECK(status[0].error.empty());
  std::string tampered = setFile(f.signer, f.key, 5);
  tampered[200] = static_cast<char>(tampered[200] ^ 1);
  sync->checkNow();
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=2");
  f.transport.answer(200, tampered);
  CHECK(f.events.back() == "content.set_rejected");
  CHECK(status[0].version == 2);
  CHECK(status[0].refusedVersion == 5);
  CHECK(status[0].error.find("signature") != std::string::npos);
  const int toldBefore = told;
  // The next polls ask for versions above the refused 5, not for it again.
  sync->checkNow();
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=5");
  f.transport.answer(304, "");
  sync->checkNow();
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=5");
  CHECK(told == toldBefore);  // a 304 changes nothing
  f.transport.answer(200, setFile(f.signer, f.key, 6));
  CHECK(f.sets->version(SetKind::kEdm, "customers") == 6);
  CHECK(status[0].version == 6);
  CHECK(status[0].refusedVersion == 0);  // the refusal of an older file is no longer news
  CHECK(status[0].error.empty());
  sync->checkNow();
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=6");
  f.transport.answer(304, "");
  // Bytes without a readable header leave nothing to remember: the version held is asked after.
  sync->checkNow();
  f.transport.answer(200, "not a set");
  CHECK(f.events.back() == "content.set_rejected");
  sync->checkNow();
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=6");
}

TEST_CASE("a refused file is remembered across a restart by the collector's tag, and not fetched or reported again") {
  Fixture f;
  auto sync = f.makeSync();
  REQUIRE(sync->apply(f.policy));
  f.transport.answer(200, setFile(f.signer, f.key, 2));
  REQUIRE(f.sets->version(SetKind::kEdm, "customers") == 2);
  // A file whose header claims the version held (the collector's row was raised, not the file): the
  // version alone could not keep it from being fetched again; the tag does.
  std::string tampered = setFile(f.signer, f.key, 2);
  tampered[200] = static_cast<char>(tampered[200] ^ 1);
  sync->checkNow();
  f.transport.answer(200, tampered, "", "\"3-abc\"");
  REQUIRE(f.events.back() == "content.set_rejected");
  const auto rejections = std::count(f.events.begin(), f.events.end(), "content.set_rejected");
  sync->checkNow();
  REQUIRE(f.transport.hasPending());
  CHECK(f.transport.front().path == "/api/v1/edm-artifacts/customers?after=2");
  bool tagged = false;
  for (const auto& [name, value] : f.transport.front().headers)
    tagged = tagged || (name == "If-None-Match" && value == "\"3-abc\"");
  CHECK(tagged);
  f.transport.answer(304, "");
  struct stat info {};
  REQUIRE(::stat(f.dir.file("content-sets/refused.json").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  // After a restart: the refusal is read back (status, tag) and the same bytes are not reported again.
  sync.reset();
  Fixture restarted;
  auto again = std::make_unique<SetSync>(restarted.transport, restarted.identity.value(), restarted.sink,
                                         restarted.sets, f.dir.path(), [](const policy::Policy&) {});
  std::vector<ContentSetStatus> status;
  again->setStatusListener([&](std::vector<ContentSetStatus> now) { status = std::move(now); });
  REQUIRE(common::writeFileAtomically(f.dir.file("policy-key.pem"), f.signer.publicKey().pem(), 0644).ok());
  REQUIRE(again->apply(f.policy));
  REQUIRE(status.size() == 1);
  CHECK(status[0].version == 2);
  CHECK(status[0].error.find("signature") != std::string::npos);
  REQUIRE(restarted.transport.hasPending());
  tagged = false;
  for (const auto& [name, value] : restarted.transport.front().headers)
    tagged = tagged || (name == "If-None-Match" && value == "\"3-abc\"");
  CHECK(tagged);
  // An older collector without tags serves the same file anyway: refused, not reported a second time.
  restarted.transport.answer(200, tampered);
  CHECK(std::count(restarted.events.begin(), restarted.events.end(), "content.set_rejected") == 0);
  CHECK(rejections == 1);
  // A newer good set clears the refusal, in memory and on disk.
  again->checkNow();
  restarted.transport.answer(200, setFile(f.signer, f.key, 4), "", "\"4-def\"");
  CHECK(restarted.sets->version(SetKind::kEdm, "customers") == 4);
  CHECK(status[0].error.empty());
  again->checkNow();
  for (const auto& [name, value] : restarted.transport.front().headers) CHECK(name != "If-None-Match");
  auto kept = common::readSmallFile(f.dir.file("content-sets/refused.json"), 1 << 16);
  REQUIRE(kept.ok());
  CHECK(kept.value().find("customers") == std::string::npos);
}

TEST_CASE("the refused-sets file is parsed strictly and written back the same") {
  RefusedSets refused{{"edm/customers", {3, "\"3-abc\"", std::string(64, 'a'), "signature: bad"}}};
  auto parsed = parseRefusedSets(refusedSetsJson(refused));
  REQUIRE(parsed.ok());
  CHECK(refusedSetsJson(parsed.value()) == refusedSetsJson(refused));
  CHECK(parsed.value().at("edm/customers").version == 3);
  for (const char* bad :
       {"", "{}", "{\"format\":2,\"refused\":{}}", "{\"format\":1,\"refused\":[]}",
        "{\"format\":1,\"refused\":{\"a\":{\"version\":-1,\"etag\":\"\",\"sha256\":\"\",\"error\":\"\"}}}",
        "{\"format\":1,\"refused\":{\"a\":{\"version\":1,\"etag\":2,\"sha256\":\"\",\"error\":\"\"}}}"}) {
    CHECK_FALSE(parseRefusedSets(bad).ok());
  }
}

}  // namespace mamori::agent::contentscan
