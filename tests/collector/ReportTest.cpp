// The fleet report: its period arithmetic and renderers with values, and the gatherer over a real
// SQLite store holding two groups' events and an audit trail.

#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "collector/report/FleetReport.h"
#include "collector/report/ReportGatherer.h"
#include "collector/report/ReportRender.h"
#include "collector/report/ReportScheduler.h"
#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/Uuid7.h"
#include "tests/collector/TempDir.h"

using namespace mamori::collector;
using mamori::common::Event;
using mamori::common::Severity;

namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kJapan = 9 * kHour;
// 2026-11-30T00:00:00Z, a Monday.
constexpr std::int64_t kMonday = 1'796'083'200'000 - kDay;

std::string contentOf(const std::string& csv, const std::string& section) {
  std::string out;
  std::size_t at = 0;
  while (at < csv.size()) {
    const auto end = csv.find("\r\n", at);
    const std::string line = csv.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.rfind("\"" + section + "\"", 0) == 0) out += line + "\n";
    if (end == std::string::npos) break;
    at = end + 2;
  }
  return out;
}

class FixedClock : public mamori::common::Clock {
 public:
  explicit FixedClock(std::int64_t now) : now_(now) {}
  std::int64_t nowMs() const override { return now_; }

 private:
  std::int64_t now_;
};

}  // namespace

TEST_CASE("report periods are whole local days, and last week is Monday to Sunday") {
  const auto week = report::lastWeek(kMonday + 3 * kDay + 5 * kHour, 0);  // Thursday
  CHECK(week.sinceMs == kMonday - 7 * kDay);
  CHECK(week.untilMs == kMonday);
  // In Japan the Monday 08:00 UTC is already Monday 17:00: last week ended at Monday 00:00 JST.
  const auto japan = report::lastWeek(kMonday + 8 * kHour, kJapan);
  CHECK(japan.sinceMs == kMonday - 7 * kDay - kJapan);
  CHECK(japan.untilMs == kMonday - kJapan);
  CHECK(report::localDate(japan.sinceMs, kJapan) == "2026-11-23");
  // Sunday 23:00 JST is still in the week before.
  CHECK(report::lastWeek(kMonday - kJapan - kHour, kJapan).untilMs == kMonday - 7 * kDay - kJapan);

  auto period = report::reportPeriod(kMonday + 5 * kHour, kMonday + 2 * kDay + 1, 0);
  REQUIRE(period.ok());
  CHECK(period.value().sinceMs == kMonday);
  CHECK(period.value().untilMs == kMonday + 3 * kDay);
  CHECK(report::reportPeriod(kMonday, kMonday, 0).error().where == "since");
  CHECK(report::reportPeriod(kMonday, kMonday + 401 * kDay, 0).error().where == "until");
  CHECK(report::reportPeriod(kMonday, kMonday + kDay, std::int64_t{30} * 60'000).error().where == "tz_offset_min");
}

TEST_CASE("trends read as people say them") {
  CHECK(report::trend(0, 0).empty());
  CHECK(report::trend(5, 0) == "new");
  CHECK(report::trend(0, 5) == "-100%");
  CHECK(report::trend(15, 10) == "+50%");
  CHECK(report::trend(10, 10) == "0%");
  CHECK(report::trend(2, 3) == "-33%");
  CHECK(report::offsetLabel(kJapan) == "UTC+09:00");
  CHECK(report::offsetLabel(-5 * kHour) == "UTC-05:00");
}

TEST_CASE("the HTML report is self-contained and shows hostile agent text visibly and escaped") {
  report::FleetReport r;
  r.group = "finance";
  r.period = {kMonday, kMonday + 7 * kDay, 0};
  r.previous = {kMonday - 7 * kDay, kMonday, 0};
  r.generator = "mamori-collector test";
  r.days.resize(7);
  for (int i = 0; i < 7; ++i) r.days[static_cast<std::size_t>(i)].startMs = kMonday + i * kDay;
  r.days[2].bySeverity = {5, 0, 3, 2, 1};
  r.types = {{"device.blocked", 2, 3, 1}, {"p2p.killed", 3, 2, 0}, {"incident.opened", 4, 1, 2}};
  r.deviceBlocks = {
      {"pc-invoice\u202efdp.exe", "<script>alert(1)</script>", "USB 0781:5581 SanDisk", 3, kMonday + kHour}};
  r.p2pStops = {{"pc-2", "sato", "/home/sato/bin/ctorrent (killed)", 2, kMonday + 2 * kHour}};
  r.adminActions = {{"policy.push", 3, 1}};
  r.adminRefused = {{kMonday, "admin-token", "10.0.0.9", "policy.push", "group:finance", "refused", "bad JSON"}};
  const std::string html = report::renderHtml(r);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("\u202e") == std::string::npos);
  CHECK(html.find("pc-invoice&lt;U+202E&gt;fdp.exe") != std::string::npos);
  CHECK(html.find("Content-Security-Policy") != std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // nothing fetched from elsewhere
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("2026-12-02: 2 high") != std::string::npos);  // a bar's title
  CHECK(html.find("+200%") != std::string::npos);               // device.blocked 3 against 1
  CHECK(html.find("group finance") != std::string::npos);
  CHECK(report::renderHtml(r) == html);  // deterministic
}

TEST_CASE("the CSV report has a byte-order mark, a section per row and no formulas") {
  report::FleetReport r;
  r.period = {kMonday, kMonday + kDay, kJapan};
  r.previous = {kMonday - kDay, kMonday, kJapan};
  r.days = {{kMonday, {1, 2, 3, 4, 5}}};
  r.types = {{"device.blocked", 2, 3, 1}};
  r.deviceBlocks = {{"=HYPERLINK(\"x\")", "山田", "USB 0781:5581", 3, kMonday + kHour}};
  const std::string csv = report::renderCsv(r);
  CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(contentOf(csv, "events_per_day") ==
        "\"events_per_day\",\"day\",\"info\",\"low\",\"medium\",\"high\",\"critical\"\n"
        "\"events_per_day\",\"2026-11-30\",\"1\",\"2\",\"3\",\"4\",\"5\"\n");
  CHECK(contentOf(csv, "events_by_type").find("\"device.blocked\",\"medium\",\"3\",\"1\"\n") != std::string::npos);
  CHECK(contentOf(csv, "device_blocks").find("\"'=HYPERLINK(\"\"x\"\")\",\"山田\"") != std::string::npos);
  CHECK(contentOf(csv, "report").find("\"utc_offset\",\"UTC+09:00\"") != std::string::npos);
}

TEST_CASE("stored report names: only ours, never a path") {
  report::FleetReport r;
  r.group = "経理 / ../x";
  r.period = {kMonday, kMonday + 7 * kDay, 0};
  const std::string name = report::reportFileName(r, "html");
  CHECK(name.find('/') == std::string::npos);
  CHECK(report::isStoredReportName(name));
  CHECK(report::isStoredReportName("mamori-report-all-2026-11-30.csv"));
  // Two groups whose names differ only where they had to be replaced keep their own files.
  report::FleetReport a = r, b = r, plain = r;
  a.group = "a b";
  b.group = "a/b";
  plain.group = "finance";
  CHECK(report::reportFileName(a, "csv") != report::reportFileName(b, "csv"));
  CHECK(report::reportFileName(plain, "csv") == "mamori-report-finance-2026-11-30.csv");
  CHECK_FALSE(report::isStoredReportName("mamori-report-all-2026-11-30.txt"));
  CHECK_FALSE(report::isStoredReportName("mamori-report-../../etc/passwd-2026-11-30.csv"));
  CHECK_FALSE(report::isStoredReportName("mamori-report--2026-11-30.csv"));
  CHECK_FALSE(report::isStoredReportName("mamori-report-all-2026-1-300.csv"));
  CHECK_FALSE(report::isStoredReportName("collector.db"));
}

TEST_CASE("a group's report holds its PCs' events, the fleet's holds all; weekly files are written once") {
  test::TempDir dir;
  auto opened = store::openEventStore("sqlite:" + dir.path() + "/collector.db");
  REQUIRE(opened.ok());
  auto& store = *opened.value();
  const std::int64_t now = kMonday + 3 * kDay;  // Thursday: last week is the one before kMonday
  const std::int64_t weekStart = kMonday - 7 * kDay;
  for (const auto& [id, group] : {std::pair{"agent-fin", "finance"}, std::pair{"agent-eng", "engineering"}}) {
    store::AgentRecord agent{id, std::string("pc-") + group, "os", "0.1", weekStart, now, 0, 0, 0, group, {}};
    REQUIRE(store.enrollAgent(agent, std::string("key-") + id).ok());
  }
  mamori::common::Uuid7Generator ids;
  const auto event = [&](const std::string& agent, std::int64_t time, const std::string& type, Severity severity,
                         const std::string& details) {
    Event e;
    e.id = ids.next(time);
    e.timeMs = time;
    e.type = type;
    e.severity = severity;
    e.agentId = agent;
    e.host = agent == "agent-fin" ? "pc-finance" : "pc-engineering";
    e.user = agent == "agent-fin" ? "山田" : "sato";
    e.details = Poco::JSON::Parser().parse(details).extract<Poco::JSON::Object::Ptr>();
    return e;
  };
  const std::string stick =
      R"({"usb.vendor_id":"0781","usb.product_id":"5581","usb.manufacturer":"SanDisk","usb.product":"Ultra"})";
  std::vector<Event> fin, eng;
  for (int i = 0; i < 3; ++i)
    fin.push_back(
        event("agent-fin", weekStart + kDay + i * std::int64_t{1000}, "device.blocked", Severity::Medium, stick));
  fin.push_back(event("agent-fin", weekStart - kDay, "device.blocked", Severity::Medium, stick));  // the week before
  eng.push_back(event("agent-eng", weekStart + 2 * kDay, "p2p.exec_denied", Severity::High,
                      R"({"process.executable":"/home/sato/bin/ctorrent","user.name":"sato"})"));
  eng.push_back(event("agent-eng", weekStart + 2 * kDay + 5, "incident.opened", Severity::High,
                      R"({"incident.id":"inc-1","incident.score":"42","user.name":"sato"})"));
  REQUIRE(store.insertEvents("agent-fin", fin, now).ok());
  REQUIRE(store.insertEvents("agent-eng", eng, now).ok());
  audit::AuditEntry grant;
  grant.timeMs = weekStart + 3 * kDay;
  grant.actor = "admin-token";
  grant.action = "exception.grant";
  grant.target = "challenge:ABCD";
  grant.after = "60 minutes";
  grant.result = "ok";
  REQUIRE(store.appendAudit(grant).ok());
  audit::AuditEntry refused = grant;
  refused.action = "policy.push";
  refused.result = "refused";
  refused.detail = "bad signature";
  REQUIRE(store.appendAudit(refused).ok());

  report::ReportRequest request;
  request.period = report::lastWeek(now, 0);
  request.nowMs = now;
  auto fleet = report::gatherReport(store, request);
  REQUIRE(fleet.ok());
  CHECK(fleet.value().agents == 2);
  REQUIRE(fleet.value().days.size() == 7);
  CHECK(fleet.value().days[1].bySeverity[2] == 3);
  CHECK(fleet.value().total() == 5);
  CHECK(fleet.value().previousTotal() == 1);
  REQUIRE(fleet.value().deviceBlocks.size() == 1);
  CHECK(fleet.value().deviceBlocks[0].count == 3);
  CHECK(fleet.value().deviceBlocks[0].subject == "USB 0781:5581 SanDisk Ultra");
  REQUIRE(fleet.value().p2pStops.size() == 1);
  CHECK(fleet.value().p2pStops[0].subject == "/home/sato/bin/ctorrent (refused before it ran)");
  REQUIRE(fleet.value().incidents.size() == 1);
  CHECK(fleet.value().incidents[0].score == "42");
  CHECK(fleet.value().incidents[0].status == "open");
  REQUIRE(fleet.value().exceptions.size() == 1);
  CHECK(fleet.value().exceptions[0].detail == "60 minutes");
  REQUIRE(fleet.value().adminRefused.size() == 1);
  CHECK(fleet.value().adminRefused[0].detail == "bad signature");

  request.group = "finance";
  auto finance = report::gatherReport(store, request);
  REQUIRE(finance.ok());
  CHECK(finance.value().agents == 1);
  CHECK(finance.value().total() == 3);
  CHECK(finance.value().deviceBlocks.size() == 1);
  CHECK(finance.value().p2pStops.empty());
  CHECK(finance.value().incidents.empty());
  CHECK(finance.value().topUsers.empty());  // medium events only

  FixedClock clock(now);
  report::ReportSchedule schedule;
  schedule.dir = dir.path() + "/reports";
  schedule.generator = "test";
  report::ReportScheduler scheduler(store, clock, schedule);
  auto written = scheduler.writeDue();
  REQUIRE(written.ok());
  CHECK(written.value().size() == 6);  // all, engineering, finance: HTML and CSV each
  auto listed = report::listStoredReports(schedule.dir);
  REQUIRE(listed.ok());
  REQUIRE(listed.value().size() == 6);
  CHECK(listed.value()[0].week == "2026-11-23");
  auto again = scheduler.writeDue();
  REQUIRE(again.ok());
  CHECK(again.value().empty());
}
