#include "agent/activity/ActivityAnalyzer.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <Poco/JSON/Array.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "agent/activity/ActivityRules.h"
#include "agent/activity/ArchiveFormat.h"
#include "agent/activity/CupsControlFile.h"
#include "agent/contentscan/ContentScanCapability.h"
#include "agent/report/EventFactory.h"
#include "common/Crypto.h"
#include "common/Glob.h"
#include "common/UniqueFd.h"

namespace mamori::agent::activity {

namespace {

constexpr std::size_t kSniffBytes = 512;       // enough for every archive magic (tar's is at 257)
constexpr std::size_t kMaxArchiveInputs = 16;  // inputs of an encrypted archive re-read to judge them

std::string baseName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string directoryOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Reads through fd from offset 0, at most limit + 1 bytes (one more tells "larger than limit").
std::string readUpTo(int fd, std::size_t limit) {
  std::string data;
  std::array<char, 65536> buffer{};
  while (data.size() <= limit) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return data;
}

bool looksLikeArchive(std::string_view head) { return identifyArchive(head).has_value(); }

// The spool's job files: c00012 (or cupsd's temporary c00012.N while it rewrites it), d00012-001.
std::optional<std::int64_t> jobIdOf(const std::string& name, char kind) {
  if (name.size() < 2 || name[0] != kind) return std::nullopt;
  std::int64_t id = 0;
  std::size_t i = 1;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && i < 12; ++i) id = id * 10 + (name[i] - '0');
  if (i == 1) return std::nullopt;
  if (kind == 'c' && i != name.size() && name[i] != '.') return std::nullopt;
  if (kind == 'd' && (i == name.size() || name[i] != '-')) return std::nullopt;
  return id;
}

std::string spoolFile(const std::string& dir, char kind, std::int64_t jobId, const char* suffix) {
  std::array<char, 32> name{};
  std::snprintf(name.data(), name.size(), "%c%05lld%s", kind, static_cast<long long>(jobId), suffix);
  return dir + "/" + name.data();
}

std::string readPathBounded(const std::string& path, std::size_t limit, bool& complete) {
  const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  complete = false;
  if (!fd.valid()) return {};
  std::string data = readUpTo(fd.get(), limit);
  complete = data.size() <= limit;
  return data;
}

}  // namespace

std::string userName(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  std::array<char, 4096> buffer{};
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) return found->pw_name;
  return std::to_string(uid);
}

std::int64_t incidentWeight(const std::string& type, bool encrypted) {
  if (type == "activity.removable_write") return 40;
  if (type == "activity.cloud_sync_write") return 30;
  if (type == "activity.bulk_read") return 30;
  if (type == "activity.archive_created") return encrypted ? 40 : 20;
  if (type == "activity.print" || type == "activity.print_blocked") return 25;
  return 0;
}

std::vector<std::string> AnalyzerConfig::roots() const {
  std::vector<std::string> roots = scanPaths;
  if (activityEnabled) {
    roots.insert(roots.end(), activity.watched.begin(), activity.watched.end());
    roots.insert(roots.end(), activity.cloudSyncFolders.begin(), activity.cloudSyncFolders.end());
    roots.insert(roots.end(), activity.removableMounts.begin(), activity.removableMounts.end());
    // Under enforce the print gate sees the jobs (PrintGate), through the scheduler.
    if (policy::printingMode(activity) == policy::Mode::kAudit) roots.push_back(activity.printing.spoolDir);
  }
  return roots;
}

common::Result<std::unique_ptr<ActivityAnalyzer>> ActivityAnalyzer::create(AnalyzerConfig config) {
  auto inspector = scan::ContentInspector::create(config.scan);
  if (!inspector) return inspector.error();
  return std::unique_ptr<ActivityAnalyzer>(new ActivityAnalyzer(std::move(config), std::move(inspector).value()));
}

ActivityAnalyzer::ActivityAnalyzer(AnalyzerConfig config, std::unique_ptr<scan::ContentInspector> inspector)
    : config_(std::move(config)), inspector_(std::move(inspector)), bulk_(config_.activity.bulk) {}

std::vector<Finding> ActivityAnalyzer::analyze(const drivers::FileActivity& activity,
                                               const std::vector<drivers::MountEntry>& mounts) {
  std::vector<Finding> out;
  if (config_.activityEnabled && policy::printingMode(config_.activity) == policy::Mode::kAudit &&
      directoryOf(activity.path) == config_.activity.printing.spoolDir) {
    if (activity.op == drivers::FileOp::kWritten) onSpool(activity, out);
    return out;
  }
  if (activity.op == drivers::FileOp::kRead) {
    onRead(activity, out);
  } else {
    onWrite(activity, mounts, out);
  }
  return out;
}

void ActivityAnalyzer::onRead(const drivers::FileActivity& activity, std::vector<Finding>& out) {
  if (!config_.activityEnabled || !underAny(activity.path, config_.activity.watched)) return;
  reads_.add(activity.pid, activity.path, activity.size, activity.timeMs);
  auto bulk = bulk_.add(activity.pid, activity.path, activity.size, activity.timeMs);
  if (!bulk) return;
  auto details = makeDetails();
  details->set("process.pid", static_cast<std::int64_t>(activity.pid));
  details->set("process.name", activity.processName);
  details->set("user.name", userName(activity.uid));
  details->set("activity.files", bulk->files);
  details->set("activity.bytes", bulk->bytes);
  details->set("activity.window_ms", bulk->lastMs - bulk->firstMs);
  Poco::JSON::Array::Ptr samples = new Poco::JSON::Array;
  for (const auto& path : bulk->samplePaths) samples->add(path);
  details->set("activity.sample_paths", samples);
  drivers::FileActivity subject;
  subject.pid = activity.pid;
  subject.uid = activity.uid;
  subject.processName = activity.processName;
  subject.timeMs = activity.timeMs;
  subject.path = bulk->samplePaths.empty() ? std::string() : directoryOf(bulk->samplePaths.front());
  out.push_back(activityFinding("activity.bulk_read", common::Severity::Medium, details, subject));
}

ActivityAnalyzer::Content ActivityAnalyzer::readContent(const drivers::FileActivity& activity,
                                                        std::size_t limit) const {
  Content content;
  if (activity.fd.valid()) {
    content.data = readUpTo(activity.fd.get(), limit);
    content.complete = content.data.size() <= limit;
  } else {
    content.data = readPathBounded(activity.path, limit, content.complete);
  }
  if (!content.complete && content.data.size() > limit) content.data.resize(limit);
  return content;
}

scan::FileResult ActivityAnalyzer::inspect(const std::string& path, const std::string& data) {
  scan::FileResult result;
  result.path = path;
  result.size = static_cast<std::int64_t>(data.size());
  inspector_->inspect(data, result);
  if (result.reportable()) result.sha256 = common::sha256Hex(data);
  return result;
}

void ActivityAnalyzer::onWrite(const drivers::FileActivity& activity, const std::vector<drivers::MountEntry>& mounts,
                               std::vector<Finding>& out) {
  const auto& settings = config_.activity;
  std::optional<drivers::MountEntry> removable;
  std::optional<std::string> cloud;
  if (config_.activityEnabled) {
    removable = removableMountOf(activity.path, mounts, settings.removableMounts);
    cloud = cloudFolderOf(activity.path, settings.cloudSyncFolders);
  }
  bool onChange = underAny(activity.path, config_.scanPaths);
  for (const auto& pattern : config_.scan.exclude) onChange = onChange && !common::globMatch(pattern, activity.path);
  if (activity.moved && !activity.movedFrom.empty()) {
    // A rename inside the same place brings nothing there that was not there (an editor saving
    // through a temporary file, a file renamed in its sync folder): only arrivals count.
    const auto& from = activity.movedFrom;
    const auto fromRemovable = config_.activityEnabled ? removableMountOf(from, mounts, settings.removableMounts)
                                                       : std::optional<drivers::MountEntry>();
    const auto fromCloud =
        config_.activityEnabled ? cloudFolderOf(from, settings.cloudSyncFolders) : std::optional<std::string>();
    const bool sameRemovable = removable.has_value() == fromRemovable.has_value() &&
                               (!removable || removable->mountPoint == fromRemovable->mountPoint);
    if (sameRemovable && cloud == fromCloud && onChange == underAny(from, config_.scanPaths)) return;
  }
  const auto limit = static_cast<std::size_t>(config_.scan.maxFileBytes);
  if (!removable && !cloud && !onChange) {
    // Elsewhere in the watched trees only archives matter: look at the magic before reading it all.
    if (!config_.activityEnabled || !looksLikeArchive(readContent(activity, kSniffBytes).data)) return;
  }
  const Content content = readContent(activity, limit);
  scan::FileResult result;
  if (content.complete) {
    result = inspect(activity.path, content.data);
  } else {
    result.path = activity.path;
    result.size = activity.size;
    result.notInspected.push_back({"", "larger than max_file_bytes or unreadable"});
  }
  if (onChange && result.reportable()) {
    if (!result.hits.empty()) {
      out.push_back({"content.match", common::Severity::Medium,
                     contentscan::ContentScanCapability::matchDetails(result, config_.scanAudit), std::nullopt});
    }
    if (!result.notInspected.empty()) {
      out.push_back({"content.not_inspected", common::Severity::Low,
                     contentscan::ContentScanCapability::notInspectedDetails(result, config_.scanAudit), std::nullopt});
    }
  }
  if (!config_.activityEnabled) return;
  const bool company = !result.hits.empty();
  if (removable && company) {
    auto details = fileDetails(activity, result);
    details->set("device.mount_point", removable->mountPoint);
    details->set("device.source", removable->source);
    details->set("device.filesystem", removable->fsType);
    if (auto source = sourceOf(activity, result)) details->set("source.path", *source);
    out.push_back(activityFinding("activity.removable_write", common::Severity::High, details, activity));
  }
  if (cloud && company) {
    auto details = fileDetails(activity, result);
    details->set("cloud.folder", *cloud);
    if (auto source = sourceOf(activity, result)) details->set("source.path", *source);
    out.push_back(activityFinding("activity.cloud_sync_write", common::Severity::High, details, activity));
  }
  const auto archive = identifyArchive(content.data);
  if (archive) {
    // An encrypted archive cannot be looked into: judge it by what its writer read just before.
    std::vector<std::string> inputs;
    if (!company) inputs = companyInputs(activity.pid, activity.path);
    if (company || !inputs.empty()) {
      auto details = fileDetails(activity, result);
      details->set("archive.format", archive->format);
      details->set("archive.encrypted", archive->encrypted);
      Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
      for (const auto& input : inputs) list->add(input);
      details->set("archive.company_inputs", list);
      out.push_back(activityFinding("activity.archive_created",
                                    archive->encrypted ? common::Severity::High : common::Severity::Medium, details,
                                    activity, archive->encrypted));
    }
  }
}

std::optional<std::string> ActivityAnalyzer::sourceOf(const drivers::FileActivity& activity,
                                                      const scan::FileResult& result) {
  if (activity.moved && !activity.movedFrom.empty()) return activity.movedFrom;
  return reads_.sourceOf(activity.pid, activity.path, result.size);
}

std::vector<std::string> ActivityAnalyzer::companyInputs(pid_t pid, const std::string& written) {
  std::vector<std::string> company;
  auto inputs = reads_.readsOf(pid);
  std::size_t checked = 0;
  for (auto it = inputs.rbegin(); it != inputs.rend() && checked < kMaxArchiveInputs; ++it) {
    if (*it == written) continue;
    ++checked;
    bool complete = false;
    const std::string data = readPathBounded(*it, static_cast<std::size_t>(config_.scan.maxFileBytes), complete);
    if (complete && !inspect(*it, data).hits.empty()) company.push_back(*it);
  }
  return company;
}

void ActivityAnalyzer::onSpool(const drivers::FileActivity& activity, std::vector<Finding>& out) {
  const std::string name = baseName(activity.path);
  if (auto job = jobIdOf(name, 'c')) {
    // The descriptor holds what cupsd wrote even after it renamed its temporary file over c<job>.
    reportJob(*job, readContent(activity, 1 << 20).data, out);
  } else if (auto document = jobIdOf(name, 'd')) {
    reportJob(*document, {}, out);
  }
}

// Once per job, when both the control file and the first document are there (cupsd writes the
// control file again when the job's state changes, so a job seen before its document is seen again).
void ActivityAnalyzer::reportJob(std::int64_t jobId, const std::string& controlBytes, std::vector<Finding>& out) {
  if (reportedJobs_.count(jobId) != 0) return;
  const std::string& spool = config_.activity.printing.spoolDir;
  bool complete = false;
  const std::string document = readPathBounded(spoolFile(spool, 'd', jobId, "-001"),
                                               static_cast<std::size_t>(config_.scan.maxFileBytes), complete);
  if (!complete || document.empty()) return;
  std::string control = controlBytes;
  if (control.empty()) control = readPathBounded(spoolFile(spool, 'c', jobId, ""), 1 << 20, complete);
  auto job = parseCupsControlFile(control);
  if (!job) return;  // not written yet (or damaged): the next write of the control file tries again
  if (reportedJobs_.size() > 100'000) reportedJobs_.clear();
  reportedJobs_.insert(jobId);
  const scan::FileResult result = inspect(spoolFile(spool, 'd', jobId, "-001"), document);
  if (result.hits.empty()) return;
  drivers::FileActivity subject;
  subject.path = result.path;
  subject.timeMs = 0;
  auto details = makeDetails();
  details->set("print.job_id", jobId);
  details->set("print.printer", job.value().printer);
  details->set("print.title", job.value().title);
  details->set("print.pages", job.value().pages);
  details->set("user.name", job.value().user);
  details->set("file.path", result.path);
  details->set("file.size", result.size);
  details->set("file.hash.sha256", result.sha256);
  details->set("content.matches",
               contentscan::ContentScanCapability::matchDetails(result, false)->getArray("content.matches"));
  details->set("activity.audit", config_.activityAudit);
  Finding finding{"activity.print", common::Severity::High, details, std::nullopt};
  Evidence evidence;
  evidence.type = finding.type;
  evidence.user = job.value().user;
  evidence.path = job.value().title;
  evidence.weight = incidentWeight(finding.type, false);
  finding.evidence = evidence;
  out.push_back(std::move(finding));
}

Poco::JSON::Object::Ptr ActivityAnalyzer::fileDetails(const drivers::FileActivity& activity,
                                                      const scan::FileResult& result) const {
  auto details = makeDetails();
  details->set("file.path", activity.path);
  // Moved in by a rename (mv): the same finding as a copy, with where the file was.
  if (activity.moved) details->set("file.operation", std::string("moved"));
  details->set("file.size", result.size);
  details->set("file.hash.sha256", result.sha256);
  details->set("process.pid", static_cast<std::int64_t>(activity.pid));
  details->set("process.name", activity.processName);
  details->set("user.name", userName(activity.uid));
  details->set("content.matches",
               contentscan::ContentScanCapability::matchDetails(result, false)->getArray("content.matches"));
  return details;
}

Finding ActivityAnalyzer::activityFinding(const std::string& type, common::Severity severity,
                                          Poco::JSON::Object::Ptr details, const drivers::FileActivity& activity,
                                          bool encrypted) const {
  details->set("activity.audit", config_.activityAudit);
  Evidence evidence;
  evidence.type = type;
  evidence.timeMs = activity.timeMs;
  evidence.user = userName(activity.uid);
  evidence.pid = activity.pid;
  evidence.processName = activity.processName;
  evidence.path = activity.path;
  evidence.weight = incidentWeight(type, encrypted);
  return {type, severity, std::move(details), evidence};
}

}  // namespace mamori::agent::activity
