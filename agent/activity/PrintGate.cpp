#include "agent/activity/PrintGate.h"

#include <algorithm>
#include <chrono>

#include "agent/activity/PrintRelease.h"
#include "agent/contentscan/ContentScanCapability.h"
#include "agent/report/EventFactory.h"
#include "common/Crypto.h"
#include "common/Log.h"
#include "common/ThreadName.h"

namespace mamori::agent::activity {

namespace {

constexpr const char* kIndefinite = "indefinite";
constexpr int kWaitMs = 1000;                     // a pass at least this often, woken sooner by the spool
constexpr std::int64_t kPrintersEveryMs = 5000;   // queues added since get their hold this soon
constexpr std::int64_t kMaxDocuments = 100;       // documents of one job inspected
constexpr std::size_t kMaxRemembered = 100'000;   // job ids remembered as judged
constexpr std::int64_t kMissingGraceMs = 30'000;  // a listed document may take this long to reach the spool

bool has(const std::vector<std::string>& list, const char* value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

PrintGate::PrintGate(drivers::PrintSpooler& spooler, Deliver deliver, std::function<std::int64_t()> nowMs)
    : spooler_(spooler), deliver_(std::move(deliver)), nowMs_(std::move(nowMs)) {}

PrintGate::~PrintGate() { shutdown(); }

common::Status PrintGate::apply(PrintGateConfig config) {
  if (!config.enforce) {
    stopThread(true);
    return common::Ok{};
  }
  auto inspector = scan::ContentInspector::create(config.scan);
  if (!inspector) return common::makeError("printing: " + inspector.error().describe());
  failOpen_ = config.failOpen;
  {
    const std::lock_guard lock(mutex_);
    next_ = std::move(config);
    nextInspector_ = std::move(inspector).value();
  }
  if (!thread_.joinable()) {
    stop_ = false;
    thread_ = std::thread([this] { run(); });
  } else {
    spooler_.wake();
  }
  return common::Ok{};
}

void PrintGate::shutdown() { stopThread(failOpen_); }

void PrintGate::stopThread(bool lift) {
  if (!thread_.joinable()) return;
  liftOnStop_ = lift;
  stop_ = true;
  spooler_.wake();
  thread_.join();
  stop_ = false;
}

void PrintGate::configure(PrintGateConfig config, std::unique_ptr<scan::ContentInspector> inspector) {
  const std::lock_guard lock(mutex_);
  failOpen_ = config.failOpen;
  next_ = std::move(config);
  nextInspector_ = std::move(inspector);
}

void PrintGate::run() {
  common::nameThisThread("mamori-print");
  while (!stop_) {
    pass();
    if (stop_) break;
    spooler_.waitForChange(kWaitMs);
  }
  takeConfig();
  if (liftOnStop_) lift();
}

void PrintGate::takeConfig() {
  const std::lock_guard lock(mutex_);
  if (!next_) return;
  const bool moved = config_ && (config_->server != next_->server || config_->spoolDir != next_->spoolDir);
  config_ = std::move(next_);
  next_.reset();
  inspector_ = std::move(nextInspector_);
  spooler_.use(config_->server, config_->spoolDir);
  printersCheckedMs_ = -1;
  if (moved) {  // another scheduler: nothing known about it
    baseline_.reset();
    judged_.clear();
    missingSince_.clear();
    defaults_.clear();
  }
}

void PrintGate::pass() {
  takeConfig();
  if (!config_ || !inspector_) return;
  std::vector<Finding> out;
  troubledNow_ = false;
  if (ensureHoldDefaults(out)) {
    auto jobs = spooler_.jobs();
    if (!jobs) {
      trouble(jobs.error(), out);
    } else {
      auto list = std::move(jobs).value();
      std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
      if (!baseline_) baseline_ = list.empty() ? 0 : list.back().id;
      for (const auto& job : list) {
        if (stop_) break;
        const bool held = job.state == drivers::PrintJobState::kHeld;
        if (const auto seen = judged_.find(job.id); seen != judged_.end()) {
          // Documents sent after the verdict (Create-Job, then Send-Document after Send-Document; cupsd
          // shows no sign of a job still open): held again and the new ones judged.
          if (job.documents <= seen->second) continue;
          if (!held) holdJob(job.id);
          judge(job, true, out, seen->second + 1);
          continue;
        }
        // Created, its first document not in yet (Create-Job), or still arriving.
        if (job.documents == 0 || (held && has(job.stateReasons, "job-incoming"))) continue;
        bool heldByGate = held && job.holdUntil == kIndefinite;
        if (!held) {
          // Older than the gate: released by it before a restart, or queued before enforcement.
          if (job.id <= *baseline_) continue;
          // Sent past the hold (job-hold-until=no-hold, a queue the gate has not seen yet): stopped
          // before it prints if the scheduler has not started it, judged either way.
          holdJob(job.id);
          heldByGate = true;
        }
        judge(job, heldByGate, out);
      }
    }
  }
  if (!troubledNow_) troubled_ = false;  // a clean pass ends the outage
  if (!out.empty() && deliver_) deliver_(std::move(out));
}

void PrintGate::holdJob(std::int64_t jobId) {
  if (auto holding = spooler_.hold(jobId); !holding) {
    common::log::warning("printing: cannot hold job " + std::to_string(jobId) + ": " + holding.error().describe());
  }
}

// Every queue holds new jobs until the gate releases them. Its previous default is remembered so
// the end of enforcement puts it back. False when the scheduler cannot be asked.
bool PrintGate::ensureHoldDefaults(std::vector<Finding>& out) {
  const std::int64_t now = nowMs_();
  if (printersCheckedMs_ >= 0 && now - printersCheckedMs_ < kPrintersEveryMs) return true;
  auto printers = spooler_.printers();
  if (!printers) {
    trouble(printers.error(), out);
    return false;
  }
  printersCheckedMs_ = now;
  for (const auto& printer : printers.value()) {
    if (printer.holdDefault == kIndefinite) {
      // Held already: by this gate before the agent restarted (CUPS's own default is no-hold), which
      // is what the end of enforcement puts back.
      defaults_.emplace(printer.name, "no-hold");
      continue;
    }
    if (auto set = spooler_.setHoldDefault(printer.name, kIndefinite); !set) {
      trouble(set.error(), out);
      continue;
    }
    defaults_[printer.name] = printer.holdDefault.empty() ? "no-hold" : printer.holdDefault;
    common::log::info("printing: new jobs on " + printer.name + " are held until inspected");
  }
  return true;
}

PrintGate::Verdict PrintGate::inspect(const drivers::PrintJobFacts& job, std::int64_t firstDocument) {
  Verdict verdict;
  const std::int64_t documents = std::min(job.documents, kMaxDocuments);
  const auto limit = static_cast<std::size_t>(std::max<std::int64_t>(0, config_->scan.maxFileBytes));
  for (std::int64_t number = firstDocument; number <= documents; ++number) {
    auto doc = spooler_.document(job.id, number, limit);
    scan::FileResult result;
    if (!doc && doc.error().kind == common::ErrorKind::kNotFound) {
      // Listed before its file is in the spool: looked for again at the next passes, for a while.
      const std::int64_t now = nowMs_();
      const auto since = missingSince_.emplace(job.id, now).first->second;
      if (now - since < kMissingGraceMs) {
        verdict.ready = false;
        return verdict;
      }
    }
    if (!doc) {
      result.path = doc.error().where;
      result.notInspected.push_back(
          {"", "cannot read the spooled document: " + doc.error().describe(), doc.error().kind});
    } else {
      result.path = doc.value().path;
      result.size = doc.value().size;
      if (!doc.value().complete) {
        result.notInspected.push_back({"", "larger than max_file_bytes", common::ErrorKind::kTooLarge});
      } else {
        inspector_->inspect(doc.value().data, result, doc.value().fd.get());
      }
      if (result.reportable()) result.sha256 = common::sha256Hex(doc.value().data);
    }
    if (!result.hits.empty()) {
      verdict.company = true;
      verdict.result = std::move(result);
      return verdict;  // one company document refuses the job
    }
    if (!result.notInspected.empty() && verdict.inspected) {
      verdict.inspected = false;
      verdict.result = std::move(result);
    }
  }
  return verdict;
}

void PrintGate::judge(const drivers::PrintJobFacts& job, bool heldByGate, std::vector<Finding>& out,
                      std::int64_t firstDocument) {
  const auto started = std::chrono::steady_clock::now();
  const Verdict verdict = inspect(job, firstDocument);
  if (!verdict.ready) return;
  missingSince_.erase(job.id);
  if (judged_.size() >= kMaxRemembered) judged_.clear();
  judged_[job.id] = job.documents;
  const auto inspectedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const bool refuse = verdict.company || (!verdict.inspected && !config_->failOpen);
  if (refuse) {
    auto details = jobDetails(job, verdict);
    const auto cancelled = spooler_.cancel(job.id);
    details->set("print.reason", std::string(verdict.company ? "company_document" : "not_inspected"));
    details->set("print.cancelled", static_cast<bool>(cancelled));
    details->set("print.inspection_ms", static_cast<std::int64_t>(inspectedMs));
    if (!cancelled) details->set("error.message", cancelled.error().describe());
    Finding finding{"activity.print_blocked", common::Severity::High, details, std::nullopt};
    if (verdict.company) {
      Evidence evidence;
      evidence.type = finding.type;
      evidence.user = job.user;
      evidence.path = job.title;
      evidence.weight = incidentWeight(finding.type, false);
      finding.evidence = evidence;
    }
    common::log::info("printing: job " + std::to_string(job.id) + " cancelled (" +
                      (verdict.company ? "company document" : "not inspected") + ")");
    out.push_back(std::move(finding));
    return;
  }
  if (heldByGate) {
    if (auto released = spooler_.release(job.id); !released) {
      common::log::warning("printing: cannot release job " + std::to_string(job.id) + ": " +
                           released.error().describe());
    } else {
      common::log::info("printing: job " + std::to_string(job.id) + " released (inspected in " +
                        std::to_string(inspectedMs) + " ms)");
    }
  }
  if (!verdict.inspected) {
    auto details = jobDetails(job, verdict);
    details->set("print.reason", std::string("not_inspected"));
    details->set("print.inspection_ms", static_cast<std::int64_t>(inspectedMs));
    out.push_back({"activity.print_uninspected", common::Severity::Medium, details, std::nullopt});
  }
}

Poco::JSON::Object::Ptr PrintGate::jobDetails(const drivers::PrintJobFacts& job, const Verdict& verdict) const {
  auto details = verdict.company ? contentscan::ContentScanCapability::matchDetails(verdict.result, false)
                                 : contentscan::ContentScanCapability::notInspectedDetails(verdict.result, false);
  details->set("print.job_id", job.id);
  details->set("print.printer", job.printer);
  details->set("print.title", job.title);
  details->set("print.host", job.host);
  details->set("user.name", job.user);
  if (job.createdS > 0) details->set("print.waited_ms", std::max<std::int64_t>(0, nowMs_() - job.createdS * 1000));
  details->set("activity.audit", false);
  return details;
}

void PrintGate::trouble(const common::Error& error, std::vector<Finding>& out) {
  common::log::warning("printing: " + error.describe());
  troubledNow_ = true;
  if (troubled_) return;  // once per outage
  troubled_ = true;
  auto details = makeDetails();
  details->set("error.message", error.describe());
  details->set("print.server", config_->server.empty() ? std::string("(CUPS default)") : config_->server);
  details->set("print.fail", std::string(config_->failOpen ? "open" : "closed"));
  out.push_back({"activity.print_gate_error", common::Severity::Medium, details, std::nullopt});
}

void PrintGate::lift() {
  if (!config_) return;
  for (const auto& [printer, keyword] : defaults_) {
    if (auto set = spooler_.setHoldDefault(printer, keyword); !set) {
      common::log::warning("printing: cannot put back " + printer + "'s hold default: " + set.error().describe());
    }
  }
  defaults_.clear();
  // Held by the queues' defaults and never judged: nothing holds them any more.
  auto released = releaseWaitingJobs(spooler_, [this](std::int64_t id) { return judged_.count(id) != 0; });
  if (!released) {
    common::log::warning("printing: cannot release the jobs waiting for inspection: " + released.error().describe());
    return;
  }
  common::log::info("printing: print jobs are no longer held for inspection");
  config_.reset();
  inspector_.reset();
  baseline_.reset();
  judged_.clear();
  missingSince_.clear();
  printersCheckedMs_ = -1;
}

}  // namespace mamori::agent::activity
