// The audit trail's hash chain as pure functions of strings (collector/audit/AuditRecord.h).

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "collector/audit/AuditRecord.h"
#include "collector/audit/Checkpoint.h"
#include "common/Crypto.h"
#include "common/JsonText.h"

namespace audit = mamori::collector::audit;

namespace {

audit::AuditEntry entry(const std::string& action, const std::string& after = "") {
  audit::AuditEntry e;
  e.timeMs = 1'796'000'000'000;
  e.actor = "alice";
  e.address = "192.0.2.7";
  e.action = action;
  e.target = "group:finance";
  e.after = after;
  e.result = "ok";
  e.status = 200;
  return e;
}

std::vector<audit::AuditRecord> chain(int n) {
  std::vector<audit::AuditRecord> records;
  records.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    records.push_back(
        audit::chainAfter(records.empty() ? nullptr : &records.back(), entry("policy.push", std::to_string(i))));
  }
  return records;
}

}  // namespace

TEST_CASE("the canonical form is sorted compact JSON and the hash is its SHA-256") {
  const auto first = audit::chainAfter(nullptr, entry("policy.push", "version 2"));
  CHECK(first.seq == 1);
  CHECK(first.prevHash == audit::kGenesisHash);
  CHECK(audit::canonicalText(first) ==
        "{\"action\":\"policy.push\",\"actor\":\"alice\",\"address\":\"192.0.2.7\",\"after\":\"version 2\","
        "\"before\":\"\",\"detail\":\"\",\"prev_hash\":\"" +
            std::string(audit::kGenesisHash) +
            "\",\"result\":\"ok\",\"seq\":1,\"status\":200,\"target\":\"group:finance\",\"time_ms\":1796000000000}");
  CHECK(first.hash == mamori::common::sha256Hex(audit::canonicalText(first)));
  const auto second = audit::chainAfter(&first, entry("agent.group.set"));
  CHECK(second.seq == 2);
  CHECK(second.prevHash == first.hash);
}

TEST_CASE("an untouched chain verifies") {
  CHECK_FALSE(audit::verifyChain({}));
  CHECK_FALSE(audit::verifyChain(chain(5)));
}

TEST_CASE("an edited record is named") {
  auto records = chain(5);
  records[2].entry.actor = "mallory";  // the row changed, its hash column not
  const auto problem = audit::verifyChain(records);
  REQUIRE(problem);
  CHECK(problem->seq == 3);
  CHECK(problem->fault == audit::ChainFault::kEdited);
  CHECK(problem->message.find("record 3 edited") != std::string::npos);
}

TEST_CASE("an edited record whose hash was recomputed is found through the next record's link") {
  auto records = chain(5);
  records[1].entry.after = "version 99";
  records[1].hash = audit::computeHash(records[1]);
  const auto problem = audit::verifyChain(records);
  REQUIRE(problem);
  CHECK(problem->seq == 2);
  CHECK(problem->fault == audit::ChainFault::kEdited);
  CHECK(problem->message.find("record 2 edited") != std::string::npos);
}

TEST_CASE("a deleted record is named as missing") {
  auto records = chain(6);
  records.erase(records.begin() + 3);  // seq 4
  auto problem = audit::verifyChain(records);
  REQUIRE(problem);
  CHECK(problem->seq == 4);
  CHECK(problem->fault == audit::ChainFault::kMissing);
  CHECK(problem->message == "record 4 missing (deleted) before record 5");

  records = chain(6);
  records.erase(records.begin(), records.begin() + 2);  // the first two
  problem = audit::verifyChain(records);
  REQUIRE(problem);
  CHECK(problem->seq == 1);
  CHECK(problem->message == "records 1 to 2 missing (deleted) before record 3");
}

TEST_CASE("a first record that does not start a chain is edited") {
  auto records = chain(2);
  records[0].prevHash = std::string(64, 'a');
  records[0].hash = audit::computeHash(records[0]);
  const auto problem = audit::verifyChain(records);
  REQUIRE(problem);
  CHECK(problem->seq == 1);
}

TEST_CASE("fields are stored as valid UTF-8 without NUL, cut at a character boundary") {
  auto e = entry("policy.push");
  e.detail = std::string("bad\xff byte and \0 nul", 19);
  e.before = std::string(audit::kMaxFieldBytes - 1, 'x') + "\xe3\x81\x82";  // a 3-byte character across the limit
  const auto n = audit::normalized(e);
  CHECK(n.detail == "bad\\xff byte and \\x00 nul");
  CHECK(n.before == std::string(audit::kMaxFieldBytes - 1, 'x'));
}

TEST_CASE("records survive the API's JSON form and pages parse strictly") {
  const auto records = chain(3);
  std::string text = "{\"records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i != 0) text += ',';
    text += mamori::common::json::write(audit::toJson(records[i]), mamori::common::json::Style::kCanonical);
  }
  text += "],\"next_after\":3}";
  auto page = audit::parseAuditPage(text);
  REQUIRE(page);
  CHECK(page.value().nextAfter == 3);
  REQUIRE(page.value().records.size() == 3);
  CHECK_FALSE(audit::verifyChain(page.value().records));
  CHECK(page.value().records[2].hash == records[2].hash);

  CHECK(audit::parseAuditPage("{\"records\":[],\"next_after\":null}"));
  CHECK(audit::parseAuditPage("{\"records\":[]}").error().where == "/next_after");
  CHECK(audit::parseAuditPage("{\"records\":[{\"seq\":\"1\"}],\"next_after\":null}").error().where == "/records/0/seq");
  CHECK(audit::parseAuditPage("[1]").error().message == "expected a JSON object");
  std::string unknown = text;
  unknown.replace(unknown.find("\"actor\""), 7, "\"extra\"");
  CHECK(audit::parseAuditPage(unknown).error().message == "unknown field of an audit record");
}

TEST_CASE("a checkpoint names the head before it and its signature verifies") {
  auto key = mamori::common::SigningKey::generate();
  REQUIRE(key);
  auto records = chain(3);
  auto entry = audit::checkpointEntry(&records.back(), key.value(), 1'796'000'100'000);
  REQUIRE(entry);
  REQUIRE(entry.value());
  CHECK(entry.value()->after == "count 3 head " + records.back().hash);
  records.push_back(audit::chainAfter(&records.back(), *entry.value()));
  CHECK_FALSE(audit::verifyChain(records));
  CHECK(audit::verifyCheckpoint(records.back(), key.value().publicKey()));
  // None is due right after one.
  auto again = audit::checkpointEntry(&records.back(), key.value(), 1'796'000'200'000);
  REQUIRE(again);
  CHECK_FALSE(again.value());
  // Another key, or a checkpoint moved onto another head, does not verify.
  auto other = mamori::common::SigningKey::generate();
  REQUIRE(other);
  CHECK_FALSE(audit::verifyCheckpoint(records.back(), other.value().publicKey()));
  auto moved = records.back();
  moved.seq = 5;
  CHECK(audit::verifyCheckpoint(moved, key.value().publicKey()).error().message.find("names \"count 3") !=
        std::string::npos);
}
