// CollectorApi: the fleet report (docs/api.md "Reports", docs/admin.md "Reports"). GET /api/v1/report
// makes one on demand as HTML or CSV; GET /api/v1/reports lists the weekly ones the collector wrote
// (collector/report/ReportScheduler) and GET /api/v1/reports/{name} returns one of them.

#include <algorithm>
#include <filesystem>

#include "collector/report/ReportGatherer.h"
#include "collector/report/ReportRender.h"
#include "collector/report/ReportScheduler.h"
#include "collector/server/CollectorApi.h"
#include "common/Clock.h"
#include "common/Files.h"

namespace mamori::collector::server {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

ApiResponse download(std::string body, const std::string& fileName) {
  ApiResponse response;
  const bool html = fileName.size() > 5 && fileName.compare(fileName.size() - 5, 5, ".html") == 0;
  response.contentType = html ? "text/html; charset=utf-8" : "text/csv; charset=utf-8";
  response.body = std::move(body);
  // A download, never a page of the console's origin; and if a browser shows it anyway, nothing in
  // it may load or run.
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + fileName + "\"");
  response.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

ApiResponse CollectorApi::getReport(const ApiRequest& request) {
  std::optional<std::int64_t> since, until;
  std::int64_t offsetMinutes = 0;
  std::string group, format = "html";
  for (const auto& [key, value] : request.query) {
    if (key == "since" || key == "until") {
      const auto ms = queryTimeMs(value);
      if (!ms) return jsonError(400, "expected UTC time like 2026-11-23T02:48:03.123Z or Unix milliseconds", key);
      (key == "since" ? since : until) = *ms;
    } else if (key == "tz_offset_min") {
      const auto minutes = queryInteger(value, 4);
      if (!minutes) return jsonError(400, "expected whole hours in minutes from -720 to 840 (540 for Japan)", key);
      offsetMinutes = *minutes;
    } else if (key == "group") {
      if (auto problem = groupNameProblem(value)) return jsonError(400, *problem, key);
      group = value;
    } else if (key == "format") {
      if (value != "html" && value != "csv") return jsonError(400, "expected html or csv", key);
      format = value;
    } else {
      return jsonError(400, "unknown query parameter (expected since, until, group, tz_offset_min, format)", key);
    }
  }
  const std::int64_t now = clock_.nowMs();
  const std::int64_t offsetMs = offsetMinutes * 60'000;
  report::ReportPeriod period = report::lastWeek(now, offsetMs);
  if (since || until) {
    // One end given: a week from it or up to it.
    const std::int64_t from = since.value_or(until.value_or(now) - 7 * kDayMs);
    auto asked = report::reportPeriod(from, until.value_or(from + 7 * kDayMs), offsetMs);
    if (!asked) return jsonError(400, asked.error().message, asked.error().where);
    period = asked.value();
  } else if (offsetMs % 3'600'000 != 0 || offsetMinutes < -720 || offsetMinutes > 840) {
    return jsonError(400, "expected whole hours in minutes from -720 to 840 (540 for Japan)", "tz_offset_min");
  }

  report::ReportRequest ask;
  ask.group = group;
  ask.period = period;
  ask.nowMs = now;
  ask.generator = std::string("mamori-collector ") + MAMORI_VERSION;
  ask.defaultHeartbeatIntervalMs = kDefaultHeartbeatIntervalMs;
  ask.silentAfterIntervals = kSilentAfterIntervals;
  auto made = report::gatherReport(store_, ask);
  if (!made) return storageFailure(made.error());
  const std::string name = report::reportFileName(made.value(), format);
  ApiResponse response =
      download(format == "csv" ? report::renderCsv(made.value()) : report::renderHtml(made.value()), name);
  response.audit.target = (group.empty() ? "all groups" : "group:" + group);
  response.audit.after = name;
  return response;
}

ApiResponse CollectorApi::getReports(const ApiRequest&) {
  if (config_.reportsDir.empty()) return jsonError(404, "this collector writes no weekly reports (--reports-dir)", "");
  auto listed = report::listStoredReports(config_.reportsDir);
  if (!listed) return jsonError(500, listed.error().message, "reports");
  ApiResponse response;
  response.body = "{\"reports\":[";
  for (std::size_t i = 0; i < listed.value().size(); ++i) {
    const auto& stored = listed.value()[i];
    if (i != 0) response.body += ',';
    response.body += "{\"name\":" + jsonString(stored.name) + ",\"group\":" + jsonString(stored.group) +
                     ",\"week\":" + jsonString(stored.week) + ",\"format\":" + jsonString(stored.format) +
                     ",\"bytes\":" + std::to_string(stored.bytes) + "}";
  }
  response.body += "]}";
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

ApiResponse CollectorApi::getStoredReport(const ApiRequest&, const std::string& name) {
  ApiResponse response;
  if (config_.reportsDir.empty()) {
    response = jsonError(404, "this collector writes no weekly reports (--reports-dir)", "");
  } else if (auto body = common::readSmallFile(config_.reportsDir + "/" + name, report::kMaxStoredReportBytes)) {
    response = download(std::move(body.value()), name);
  } else if (body.error().kind == common::ErrorKind::kNotFound) {
    response = jsonError(404, "no such report (mamorictl report list shows them)", name);
  } else {
    response = jsonError(500, body.error().message, name);
  }
  response.audit.target = "report:" + name;
  return response;
}

std::optional<std::string> storedReportPathName(const std::string& path) {
  constexpr std::string_view kPrefix = "/api/v1/reports/";
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  std::string name = path.substr(kPrefix.size());
  if (!report::isStoredReportName(name)) return std::nullopt;
  return name;
}

}  // namespace mamori::collector::server
