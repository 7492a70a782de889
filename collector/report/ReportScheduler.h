#pragma once
// The weekly reports (docs/admin.md "Reports"): on its own thread the collector checks every hour
// whether last week's report (Monday to Sunday at the configured UTC offset) is written, for the whole
// fleet and for each group, and writes what is missing as HTML and CSV into its reports folder, where
// the console and GET /api/v1/reports find them. Old weeks are removed after `keepWeeks`.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/store/EventStore.h"
#include "collector/store/PeriodicWorker.h"
#include "common/Clock.h"
#include "common/Result.h"

namespace mamori::collector::report {

// A stored report is never larger than this (the lists in it are bounded); a bigger file is not ours.
inline constexpr std::size_t kMaxStoredReportBytes = 32U << 20U;

struct StoredReport {
  std::string name;    // mamori-report-<group>-<YYYY-MM-DD>.<html|csv>
  std::string group;   // as in the name ("all" = every group)
  std::string week;    // the first day, YYYY-MM-DD
  std::string format;  // html or csv
  std::int64_t bytes = 0;
};

// True for names reportFileName makes: "mamori-report-", 1-64 of [A-Za-z0-9_-], "-", a date, ".html"
// or ".csv". Nothing else is ever read from or removed in the folder (no path can be named).
bool isStoredReportName(const std::string& name);
// The folder's reports, newest week first, then by name. A folder that does not exist is empty.
common::Result<std::vector<StoredReport>> listStoredReports(const std::string& dir);

struct ReportSchedule {
  std::string dir;
  std::int64_t offsetMs = 0;  // where the weeks start (540 minutes for Japan)
  int keepWeeks = 104;
  std::string generator;
  std::chrono::milliseconds firstDelay{5'000};  // cheap when the week is written
  std::chrono::milliseconds interval{3'600'000};
};

class ReportScheduler {
 public:
  ReportScheduler(store::EventStore& store, const common::Clock& clock, ReportSchedule schedule);

  void start() { worker_.start(); }
  void stop() { worker_.stop(); }

  // Writes last week's missing reports and removes expired ones; the names written.
  common::Result<std::vector<std::string>> writeDue();

 private:
  std::chrono::milliseconds run();

  store::EventStore& store_;
  const common::Clock& clock_;
  ReportSchedule schedule_;
  store::PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace mamori::collector::report
