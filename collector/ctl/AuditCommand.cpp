// mamorictl audit: the administrators' audit trail (docs/admin.md): list it, or verify its hash chain.

#include <cstdio>
#include <string>
#include <vector>

#include "collector/audit/AuditRecord.h"
#include "collector/audit/Checkpoint.h"
#include "collector/ctl/Commands.h"
#include "common/Clock.h"
#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/JsonText.h"

namespace mamori::collector::ctl {

namespace {

constexpr int kExitChainBroken = 3;
constexpr std::int64_t kDefaultShown = 50;
constexpr std::int64_t kPageSize = 1000;

constexpr const char* kAuditUsage =
    "Usage: mamorictl audit [--since TIME] [--limit N] [--json]\n"
    "       mamorictl audit verify [--public-key FILE]\n"
    "\n"
    "The administrators' audit trail: one record per administrative action and console sign-in\n"
    "attempt (who, from which address, when, what, the value before and after, ok or refused with\n"
    "the HTTP status). Reading it needs the admin token or an administrator's console session, and is\n"
    "itself recorded. Without options: the newest 50 records, oldest first.\n"
    "\n"
    "verify reads the whole chain and recomputes it: every record's SHA-256 over its canonical JSON,\n"
    "and that each record names the previous record's hash. It names the first bad record: edited\n"
    "(its content or a later record's link does not match) or missing (deleted: a sequence number is\n"
    "skipped). Records deleted from the end leave no gap: compare the count and head hash it prints\n"
    "with the latest audit.checkpoint record your SIEM received. The collector appends a checkpoint\n"
    "every --audit-checkpoint-interval, signed with its policy key; with --public-key FILE (that key's\n"
    "public half: openssl pkey -in policy-signing.key -pubout) verify checks every checkpoint's\n"
    "signature and that it names the records before it.\n";

constexpr const char* kAuditExit =
    "Exit status:\n"
    "  0  ok (verify: the chain is intact)\n"
    "  1  collector or network error\n"
    "  2  usage error\n"
    "  3  verify found the chain broken\n";

// Reads records from `after` on, page by page, calling each(record) until it returns false.
template <typename Each>
int readPages(AdminClient& client, const std::string& query, std::int64_t after, Each&& each) {
  while (true) {
    const std::string path = "/api/v1/audit?after=" + std::to_string(after) + "&limit=" + std::to_string(kPageSize) +
                             (query.empty() ? "" : "&" + query);
    auto answer = client.send("GET", path, "");
    if (!answer) return reportError(kExitFailure, answer.error().describe());
    if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
    auto page = audit::parseAuditPage(answer.value().body);
    if (!page) return reportError(kExitFailure, "the collector's audit page: " + page.error().describe());
    for (const auto& record : page.value().records) {
      if (!each(record)) return kExitOk;
    }
    if (!page.value().nextAfter || page.value().records.empty()) return kExitOk;
    if (*page.value().nextAfter <= after)
      return reportError(kExitFailure, "the collector's audit pages do not advance");
    after = *page.value().nextAfter;
  }
}

int verify(AdminClient& client, const std::optional<common::PublicKey>& key) {
  audit::ChainVerifier verifier;
  std::optional<audit::ChainProblem> problem;
  std::optional<common::Error> badCheckpoint;
  std::int64_t checkpoints = 0, lastCheckpoint = 0;
  const int code = readPages(client, "", 0, [&](const audit::AuditRecord& record) {
    problem = verifier.add(record);
    if (problem) return false;
    if (record.entry.action == audit::kCheckpointAction) {
      ++checkpoints;
      lastCheckpoint = record.seq;
      if (key) {
        if (auto checked = audit::verifyCheckpoint(record, *key); !checked) badCheckpoint = checked.error();
      }
    }
    return !badCheckpoint;
  });
  if (code != kExitOk) return code;
  if (problem) {
    std::printf("audit trail BROKEN at record %lld (%s): %s\n", static_cast<long long>(problem->seq),
                problem->fault == audit::ChainFault::kMissing ? "missing" : "edited", problem->message.c_str());
    std::printf("the %lld records before it are intact\n", static_cast<long long>(verifier.count()));
    return kExitChainBroken;
  }
  if (badCheckpoint) {
    std::printf("audit trail BROKEN: %s\n", badCheckpoint->message.c_str());
    return kExitChainBroken;
  }
  std::printf("audit trail intact: %lld records, head %s\n", static_cast<long long>(verifier.count()),
              verifier.headHash().c_str());
  if (checkpoints == 0) {
    std::printf("no checkpoints yet\n");
  } else {
    std::printf("%lld checkpoints, the last is record %lld (%s)\n", static_cast<long long>(checkpoints),
                static_cast<long long>(lastCheckpoint),
                key ? "signatures verified" : "signatures not checked: pass --public-key");
  }
  return kExitOk;
}

void print(const std::vector<audit::AuditRecord>& records, bool json) {
  if (json) {
    for (const auto& r : records) {
      // A sign-in name is anyone's text: C1 controls in it as \u escapes, not raw on the terminal.
      std::printf("%s\n", common::json::escapeLineControls(
                              common::json::write(audit::toJson(r), common::json::Style::kCanonical))
                              .c_str());
    }
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"SEQ", "TIME", "ACTOR", "ADDRESS", "ACTION", "TARGET", "RESULT", "CHANGE / DETAIL"}};
  for (const auto& r : records) {
    const auto& e = r.entry;
    std::string change = e.before.empty() && e.after.empty() ? std::string() : e.before + " -> " + e.after;
    if (!e.detail.empty()) change += (change.empty() ? "" : "; ") + e.detail;
    // formatTable shows each cell through visibleText: a sign-in name's control characters as markers.
    rows.push_back({std::to_string(r.seq), common::formatUtcMs(e.timeMs), e.actor, e.address, e.action, e.target,
                    e.result + " " + std::to_string(e.status), change});
  }
  std::fputs(formatTable(rows).c_str(), stdout);
}

}  // namespace

int runAuditCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  bool json = false, verifyChain = false;
  std::string since, publicKeyFile;
  std::int64_t limit = 0;
  namespace opt = common::opt;
  common::CommandLine line;
  line.table({
                 {"--since", "TIME", opt::checked([&since](const std::string& value) -> common::Status {
                    const bool digits = !value.empty() && value.size() <= 15 &&
                                        value.find_first_not_of("0123456789") == std::string::npos;
                    if (!digits && !common::parseUtcMs(value)) {
                      return common::makeError("expected UTC time like 2026-12-01T00:00:00Z or Unix milliseconds");
                    }
                    since = value;
                    return common::Ok{};
                  }),
                  "every record from TIME on (UTC like 2026-12-01T00:00:00Z, or Unix\nmilliseconds)"},
                 {"--limit", "N", opt::integer(1, 999'999'999, limit),
                  "at most N records (with --since: the first N from TIME)"},
                 {"--json", "", opt::flag(json),
                  "one JSON object per line, as GET /api/v1/audit gives it (with seq,\nprev_hash, hash)"},
                 {"--public-key", "FILE", opt::text(publicKeyFile),
                  "verify: also check every checkpoint's signature with this key"},
             })
      .positional([&verifyChain](const std::string& word) -> common::Status {
        if (word != "verify" || verifyChain) return common::makeError("unexpected \"" + word + "\"");
        verifyChain = true;
        return common::Ok{};
      });
  if (auto done = common::parseOrExit(line, args, "mamorictl audit", commandHelp(kAuditUsage, line, kAuditExit))) {
    return *done;
  }
  if (verifyChain && (json || !since.empty() || limit != 0)) {
    return reportError(kExitUsage, "audit verify takes only --public-key (it always reads the whole chain)");
  }
  if (!verifyChain && !publicKeyFile.empty()) return reportError(kExitUsage, "audit: --public-key is for verify");
  std::optional<common::PublicKey> key;
  if (!publicKeyFile.empty()) {
    auto pem = common::readSmallFile(publicKeyFile, std::size_t{64} * 1024);
    if (!pem) return reportError(kExitUsage, "audit: --public-key: " + pem.error().describe());
    auto parsed = common::PublicKey::fromPem(pem.value());
    if (!parsed) return reportError(kExitUsage, "audit: --public-key " + publicKeyFile + ": " + parsed.error().message);
    key = std::move(parsed).value();
  }
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  if (verifyChain) return verify(*client.value(), key);

  std::vector<audit::AuditRecord> records;
  if (since.empty()) {
    const std::int64_t wanted = limit != 0 ? std::min(limit, kPageSize) : kDefaultShown;
    auto answer = client.value()->send("GET", "/api/v1/audit?order=desc&limit=" + std::to_string(wanted), "");
    if (!answer) return reportError(kExitFailure, answer.error().describe());
    if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
    auto page = audit::parseAuditPage(answer.value().body);
    if (!page) return reportError(kExitFailure, "the collector's audit page: " + page.error().describe());
    records.assign(page.value().records.rbegin(), page.value().records.rend());
  } else {
    const int code = readPages(*client.value(), "since=" + since, 0, [&](const audit::AuditRecord& record) {
      records.push_back(record);
      return limit == 0 || static_cast<std::int64_t>(records.size()) < limit;
    });
    if (code != kExitOk) return code;
  }
  print(records, json);
  return kExitOk;
}

}  // namespace mamori::collector::ctl
