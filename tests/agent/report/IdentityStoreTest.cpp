#include <doctest/doctest.h>

#include <fstream>
#include <sys/stat.h>

#include "agent/report/IdentityStore.h"
#include "common/Uuid7.h"
#include "tests/agent/TestSupport.h"

namespace mamori::agent {
namespace {

TEST_CASE("identity: made on first start, saved 0600, reused later") {
  test::TempDir dir;
  const auto path = dir.file("identity.json");
  auto first = IdentityStore::load(path, 1'795'000'000'000);
  REQUIRE(first.ok());
  CHECK(first.value().created());
  const std::string agentId = first.value().identity().agentId;
  CHECK(common::uuid7Millis(agentId) == 1'795'000'000'000);

  Identity id = first.value().identity();
  id.collectorUrl = "https://collector:8443";
  id.caFile = "/etc/mamori/collector.crt";
  REQUIRE(first.value().save(id).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(first.value().setNodeKey(std::string(64, 'c')).ok());

  auto second = IdentityStore::load(path, 1'795'000'999'999);
  REQUIRE(second.ok());
  CHECK(!second.value().created());
  CHECK(second.value().identity().agentId == agentId);
  CHECK(second.value().identity().collectorUrl == "https://collector:8443");
  CHECK(second.value().identity().caFile == "/etc/mamori/collector.crt");
  CHECK(second.value().identity().nodeKey == std::string(64, 'c'));
}

TEST_CASE("identity: a damaged file is an error, never silently replaced by a new id") {
  test::TempDir dir;
  const auto path = dir.file("identity.json");
  std::ofstream(path) << "{\"agent_id\": 12";
  auto loaded = IdentityStore::load(path, 0);
  REQUIRE(!loaded.ok());
  CHECK(loaded.error().where.find("identity.json") != std::string::npos);

  std::ofstream(path, std::ios::trunc) << R"({"agent_id": "not-a-uuid"})";
  auto bad = IdentityStore::load(path, 0);
  REQUIRE(!bad.ok());
  CHECK(bad.error().where.find("agent_id") != std::string::npos);
}

}  // namespace
}  // namespace mamori::agent
