#pragma once
// Turns file activity into findings (events to emit). No threads, no Qt: the capability runs it on its
// worker thread; tests call it directly with files in a temporary folder.
//
// - a company file (the content scanner finds a rule or detector in it) written to removable media:
//   activity.removable_write, with the source file when the writing process read one of that name
//   or size just before (cp, a file manager);
// - the same into a cloud-sync folder: activity.cloud_sync_write;
// - one process reading bulk.files files or bulk.bytes bytes from watched trees within bulk.seconds:
//   activity.bulk_read;
// - an archive (zip, 7z, rar, tar, gzip by magic) written that holds company files, or that is
//   encrypted and whose writer read company files just before: activity.archive_created;
// - a CUPS job whose spooled document is a company file: activity.print;
// - content_scan.schedule.on_change: a file written in content_scan.paths is scanned like in a
//   scheduled pass: content.match / content.not_inspected.

#include <Poco/JSON/Object.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/activity/BulkTracker.h"
#include "agent/activity/Correlator.h"
#include "agent/activity/RecentReads.h"
#include "common/Event.h"
#include "drivers/include/FileActivity.h"
#include "policy/ActivitySettings.h"
#include "scan/ContentInspector.h"
#include "scan/ScanConfig.h"

namespace mamori::agent::activity {

struct AnalyzerConfig {
  policy::ActivitySettings activity;  // cloud_sync_folders and watched with "~/" already expanded
  bool activityEnabled = true;
  bool activityAudit = false;
  scan::ScanConfig scan;               // what makes a file a company file
  std::vector<std::string> scanPaths;  // on-change scanning; empty when off
  bool scanAudit = false;

  // Every folder the file-activity source has to watch for this configuration.
  std::vector<std::string> roots() const;
};

struct Finding {
  std::string type;
  common::Severity severity = common::Severity::Medium;
  Poco::JSON::Object::Ptr details;
  std::optional<Evidence> evidence;  // set for activity.* findings: they count towards incidents
};

// Weights of activity events towards an incident's score (docs/events.md).
std::int64_t incidentWeight(const std::string& type, bool encrypted);

class ActivityAnalyzer {
 public:
  static common::Result<std::unique_ptr<ActivityAnalyzer>> create(AnalyzerConfig config);

  std::vector<Finding> analyze(const drivers::FileActivity& activity, const std::vector<drivers::MountEntry>& mounts);

  const AnalyzerConfig& config() const { return config_; }

 private:
  struct Content {
    std::string data;
    bool complete = false;  // false: larger than max_file_bytes or unreadable
  };

  ActivityAnalyzer(AnalyzerConfig config, std::unique_ptr<scan::ContentInspector> inspector);

  void onRead(const drivers::FileActivity& activity, std::vector<Finding>& out);
  void onWrite(const drivers::FileActivity& activity, const std::vector<drivers::MountEntry>& mounts,
               std::vector<Finding>& out);
  void onSpool(const drivers::FileActivity& activity, std::vector<Finding>& out);
  void reportJob(std::int64_t jobId, const std::string& controlBytes, std::vector<Finding>& out);
  Content readContent(const drivers::FileActivity& activity, std::size_t limit) const;
  scan::FileResult inspect(const std::string& path, const std::string& data);
  // Where a written file came from: the old path of a move, else a file its writer read just before.
  std::optional<std::string> sourceOf(const drivers::FileActivity& activity, const scan::FileResult& result);
  std::vector<std::string> companyInputs(pid_t pid, const std::string& written);
  Poco::JSON::Object::Ptr fileDetails(const drivers::FileActivity& activity, const scan::FileResult& result) const;
  Finding activityFinding(const std::string& type, common::Severity severity, Poco::JSON::Object::Ptr details,
                          const drivers::FileActivity& activity, bool encrypted = false) const;

  AnalyzerConfig config_;
  std::unique_ptr<scan::ContentInspector> inspector_;
  BulkTracker bulk_;
  RecentReads reads_;
  std::set<std::int64_t> reportedJobs_;
};

// The name of uid (its number when it has none).
std::string userName(uid_t uid);

}  // namespace mamori::agent::activity
