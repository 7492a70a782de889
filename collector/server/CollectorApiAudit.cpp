// CollectorApi: the administrators' audit trail (docs/api.md, docs/decisions/0021-admin-audit-trail.md).
// handle() calls recordAudit once for every call of a route with an audit action; GET /api/v1/audit
// reads the chain for administrators and mamorictl audit verify.

#include <string>

#include "collector/server/CollectorApi.h"
#include "common/Clock.h"
#include "common/JsonText.h"
#include "common/Log.h"

namespace mamori::collector::server {

namespace {

constexpr std::size_t kMaxAuditLimit = 1000;
constexpr std::size_t kMaxDigits = 15;

}  // namespace

void CollectorApi::recordAudit(const ApiRequest& request, const RouteInfo& route, const std::string& actor,
                               const ApiResponse& response) {
  audit::AuditEntry entry;
  entry.timeMs = clock_.nowMs();
  entry.actor = !response.audit.actor.empty() ? response.audit.actor : !actor.empty() ? actor : "(anonymous)";
  entry.address = request.clientAddress;
  entry.action = route.auditAction;
  entry.target = response.audit.target;
  if (entry.target.empty()) {
    // Refused before the handler could say: the path and its query name the target well enough.
    entry.target = request.path;
    for (std::size_t i = 0; i < request.query.size(); ++i) {
      entry.target += (i == 0 ? "?" : "&") + request.query[i].first + "=" + request.query[i].second;
    }
  }
  entry.before = response.audit.before;
  entry.after = response.audit.after;
  entry.status = response.status;
  entry.result = response.status < 400 ? "ok" : "refused";
  entry.detail = response.status < 400 ? std::string() : response.audit.detail;
  if (auto appended = store_.appendAudit(entry); !appended) {
    // The action has happened (or been refused) already; the answer stands, and the gap is loud.
    metrics_.countStorageError();
    common::log::error("audit trail: could not record " + entry.action + " by " + entry.actor + " from " +
                       entry.address + " (status " + std::to_string(entry.status) +
                       "): " + appended.error().describe());
  }
}

ApiResponse CollectorApi::getAudit(const ApiRequest& request) {
  store::AuditQuery query;
  query.limit = kMaxAuditLimit;
  for (const auto& [key, value] : request.query) {
    if (key == "after") {
      const auto seq = queryDigits(value, kMaxDigits);
      if (!seq) return jsonError(400, "expected a sequence number (next_after of an earlier answer)", key);
      query.afterSeq = *seq;
    } else if (key == "since") {
      auto ms = queryDigits(value, kMaxDigits);
      if (!ms) ms = common::parseUtcMs(value);
      if (!ms) return jsonError(400, "expected UTC time like 2026-11-23T02:48:03.123Z or Unix milliseconds", key);
      query.sinceMs = *ms;
    } else if (key == "limit") {
      const auto limit = queryDigits(value, kMaxDigits, 1, static_cast<std::int64_t>(kMaxAuditLimit));
      if (!limit) return jsonError(400, "expected a number from 1 to 1000", key);
      query.limit = static_cast<std::size_t>(*limit);
    } else if (key == "order") {
      if (value != "asc" && value != "desc") return jsonError(400, "expected asc or desc", key);
      query.newestFirst = value == "desc";
    } else {
      return jsonError(400, "unknown query parameter (expected after, since, limit, order)", key);
    }
  }
  if (query.newestFirst && query.afterSeq != 0) return jsonError(400, "after pages in ascending order only", "order");
  auto records = store_.listAudit(query);
  if (!records) return storageFailure(records.error());
  common::JsonValue list = common::json::array();
  for (const auto& record : records.value()) list.items.push_back(audit::toJson(record));
  ApiResponse response;
  response.body =
      "{\"records\":" + common::json::write(list, common::json::Style::kCanonical) + ",\"next_after\":" +
      (!query.newestFirst && records.value().size() == query.limit ? std::to_string(records.value().back().seq)
                                                                   : std::string("null")) +
      "}";
  response.audit.target = "audit trail";
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace mamori::collector::server
