#include "collector/report/ReportScheduler.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "collector/report/ReportGatherer.h"
#include "collector/report/ReportRender.h"
#include "common/Files.h"
#include "common/Log.h"

namespace mamori::collector::report {

namespace {

constexpr std::string_view kPrefix = "mamori-report-";
constexpr std::int64_t kDayMs = 86'400'000;

bool isDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

// The parts of a stored report's name; false when it is not one.
bool splitName(const std::string& name, StoredReport& out) {
  std::string_view rest = name;
  if (rest.substr(0, kPrefix.size()) != kPrefix) return false;
  rest.remove_prefix(kPrefix.size());
  std::string_view format;
  if (rest.size() > 5 && rest.substr(rest.size() - 5) == ".html") {
    format = "html";
  } else if (rest.size() > 4 && rest.substr(rest.size() - 4) == ".csv") {
    format = "csv";
  } else {
    return false;
  }
  rest.remove_suffix(format.size() + 1);
  if (rest.size() < 12 || rest[rest.size() - 11] != '-' || !isDate(rest.substr(rest.size() - 10))) return false;
  const std::string_view group = rest.substr(0, rest.size() - 11);
  if (group.empty() || group.size() > 64) return false;
  if (!std::all_of(group.begin(), group.end(), common::isFileNamePartChar)) return false;
  out.name = name;
  out.group = std::string(group);
  out.week = std::string(rest.substr(rest.size() - 10));
  out.format = std::string(format);
  return true;
}

}  // namespace

bool isStoredReportName(const std::string& name) {
  StoredReport ignored;
  return splitName(name, ignored);
}

common::Result<std::vector<StoredReport>> listStoredReports(const std::string& dir) {
  std::vector<StoredReport> reports;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  if (error == std::errc::no_such_file_or_directory) return reports;
  if (error) return common::makeError("cannot list the reports folder: " + error.message(), dir, error.value());
  for (const auto& entry : it) {
    StoredReport report;
    const std::string name = entry.path().filename().string();
    if (!splitName(name, report) || !entry.is_regular_file(error)) continue;
    report.bytes = static_cast<std::int64_t>(entry.file_size(error));
    if (error) continue;
    reports.push_back(std::move(report));
  }
  std::sort(reports.begin(), reports.end(), [](const StoredReport& a, const StoredReport& b) {
    return a.week != b.week ? a.week > b.week : a.name < b.name;
  });
  return reports;
}

ReportScheduler::ReportScheduler(store::EventStore& store, const common::Clock& clock, ReportSchedule schedule)
    : store_(store),
      clock_(clock),
      schedule_(std::move(schedule)),
      worker_(schedule_.firstDelay, [this] { return run(); }) {}

std::chrono::milliseconds ReportScheduler::run() {
  auto written = writeDue();
  if (!written) {
    common::log::warning("weekly report: " + written.error().describe() + " (tried again at the next check)");
  } else {
    for (const auto& name : written.value()) common::log::info("weekly report written: " + name);
  }
  return schedule_.interval;
}

common::Result<std::vector<std::string>> ReportScheduler::writeDue() {
  std::vector<std::string> written;
  const std::int64_t now = clock_.nowMs();
  const ReportPeriod week = lastWeek(now, schedule_.offsetMs);
  auto agents = store_.listAgents();
  if (!agents) return agents.error();
  std::set<std::string> groups{""};
  for (const auto& agent : agents.value()) groups.insert(agent.group);
  if (auto made = common::makeDirectories(schedule_.dir); !made) return made.error();

  for (const auto& group : groups) {
    FleetReport named;
    named.group = group;
    named.period = week;
    const std::string html = schedule_.dir + "/" + reportFileName(named, "html");
    const std::string csv = schedule_.dir + "/" + reportFileName(named, "csv");
    if (common::fileExists(html) && common::fileExists(csv)) continue;
    ReportRequest request;
    request.group = group;
    request.period = week;
    request.nowMs = now;
    request.generator = schedule_.generator;
    auto report = gatherReport(store_, request);
    if (!report) return report.error();
    if (auto saved = common::writeFileAtomically(html, renderHtml(report.value()), 0640); !saved) return saved.error();
    if (auto saved = common::writeFileAtomically(csv, renderCsv(report.value()), 0640); !saved) return saved.error();
    written.push_back(reportFileName(named, "html"));
    written.push_back(reportFileName(named, "csv"));
  }

  // Weeks older than keepWeeks go; only files with our names are ever touched.
  const std::string oldest =
      localDate(week.sinceMs - static_cast<std::int64_t>(schedule_.keepWeeks) * 7 * kDayMs, schedule_.offsetMs);
  auto stored = listStoredReports(schedule_.dir);
  if (!stored) return stored.error();
  for (const auto& report : stored.value()) {
    if (report.week >= oldest) continue;
    std::error_code ignored;
    std::filesystem::remove(schedule_.dir + "/" + report.name, ignored);
  }
  return written;
}

}  // namespace mamori::collector::report
