#pragma once
// The print gate (activity.printing.mode enforce, docs/decisions/0042): every print queue's
// job-hold-until-default is "indefinite", so the scheduler holds each new job before any filter or
// backend runs; the gate inspects the held job's documents with the content scanner (extraction in the
// sandbox, as for any file) and releases a personal document or cancels a company one, through the
// scheduler's own interface (drivers/include/PrintSpooler.h).
//
// Which jobs it judges: every held job it has not judged yet (jobs held while the agent was stopped
// included), and every job newer than those the scheduler had when the gate started that is not held
// (sent with job-hold-until=no-hold, or to a queue added since): held first, then judged. A job held
// for another reason (a time of day the user chose) that is personal stays held for that time. A job
// with no document yet waits; one that gets more documents after its verdict (Create-Job, then
// several Send-Document) is held again and the new ones judged.
//
// Fail mode: when the agent stops with fail open, the queues' defaults go back and the jobs waiting
// for the gate are released uninspected; with fail closed (the default) both stay, and the jobs wait
// for the agent. A document that cannot be inspected (too large, encrypted, the sandbox failing) is
// treated the same way: cancelled under fail closed, released under fail open, reported either way.
//
// Threads: apply() and shutdown() on the owner's thread; the passes on the gate's own thread, which
// alone uses the spooler and the inspector. Findings go to `deliver` on the gate's thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agent/activity/ActivityAnalyzer.h"
#include "drivers/include/PrintSpooler.h"
#include "scan/ContentInspector.h"
#include "scan/ScanConfig.h"

namespace mamori::agent::activity {

struct PrintGateConfig {
  bool enforce = false;
  bool failOpen = false;
  std::string server;    // the scheduler ("" its default)
  std::string spoolDir;  // its RequestRoot
  scan::ScanConfig scan;
};

class PrintGate {
 public:
  using Deliver = std::function<void(std::vector<Finding>)>;

  PrintGate(drivers::PrintSpooler& spooler, Deliver deliver, std::function<std::int64_t()> nowMs);
  ~PrintGate();  // shutdown()
  PrintGate(const PrintGate&) = delete;
  PrintGate& operator=(const PrintGate&) = delete;

  // enforce: starts the gate (or gives it the new settings); not enforce: stops it, the queues'
  // defaults go back and the jobs it was holding are released. Fails on content rules that do not compile.
  common::Status apply(PrintGateConfig config);
  // The agent is stopping: the fail mode decides what the held jobs do (above).
  void shutdown();
  bool running() const { return thread_.joinable(); }

  // One pass over queues and jobs, on the calling thread (the gate's loop; unit tests without it).
  void pass();
  // The end of enforcement: defaults back, held jobs the gate has not judged released.
  void lift();
  // Tests without the thread: what apply() hands the loop.
  void configure(PrintGateConfig config, std::unique_ptr<scan::ContentInspector> inspector);

 private:
  struct Verdict {
    bool ready = true;  // false: a document is not in the spool yet; judged at a later pass
    bool company = false;
    bool inspected = true;
    scan::FileResult result;  // the company document, or the one not inspected
  };

  void run();
  void stopThread(bool lift);
  void takeConfig();
  bool ensureHoldDefaults(std::vector<Finding>& out);
  // Judges documents firstDocument.. of job (a job already judged has more).
  void judge(const drivers::PrintJobFacts& job, bool heldByGate, std::vector<Finding>& out,
             std::int64_t firstDocument = 1);
  Verdict inspect(const drivers::PrintJobFacts& job, std::int64_t firstDocument);
  void holdJob(std::int64_t jobId);
  void trouble(const common::Error& error, std::vector<Finding>& out);
  Poco::JSON::Object::Ptr jobDetails(const drivers::PrintJobFacts& job, const Verdict& verdict) const;

  drivers::PrintSpooler& spooler_;
  Deliver deliver_;
  std::function<std::int64_t()> nowMs_;

  std::mutex mutex_;  // guards next_, nextInspector_
  std::optional<PrintGateConfig> next_;
  std::unique_ptr<scan::ContentInspector> nextInspector_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> liftOnStop_{false};
  std::atomic<bool> failOpen_{false};  // the fail mode of the newest settings

  // The gate's thread only.
  std::optional<PrintGateConfig> config_;
  std::unique_ptr<scan::ContentInspector> inspector_;
  std::optional<std::int64_t> baseline_;               // the newest job id listed at the first pass
  std::map<std::int64_t, std::int64_t> judged_;        // decided (released, cancelled or left): documents judged
  std::map<std::int64_t, std::int64_t> missingSince_;  // a listed document not in the spool yet, since
  std::map<std::string, std::string> defaults_;        // queue -> its job-hold-until-default before the gate
  std::int64_t printersCheckedMs_ = -1;
  bool troubled_ = false;     // an outage already reported
  bool troubledNow_ = false;  // this pass met trouble
};

}  // namespace mamori::agent::activity
