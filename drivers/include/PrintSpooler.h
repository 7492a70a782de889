#pragma once
// The print scheduler of this PC (CUPS on Linux) as the print gate sees it: its queues, the jobs not
// yet completed, the spooled documents, and the operations that hold, release or cancel a job through
// the scheduler's own interface (docs/decisions/0042). Facts only: the agent decides.
//
// Threads: one thread uses a spooler at a time, except wake(), which any thread may call.

#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"
#include "common/UniqueFd.h"

namespace mamori::drivers {

// IPP job-state values (RFC 8011 5.3.7).
enum class PrintJobState : int {
  kPending = 3,
  kHeld = 4,
  kProcessing = 5,
  kStopped = 6,
  kCanceled = 7,
  kAborted = 8,
  kCompleted = 9,
};

struct PrintJobFacts {
  std::int64_t id = 0;
  PrintJobState state = PrintJobState::kPending;
  std::vector<std::string> stateReasons;  // job-state-reasons: "job-hold-until-specified", "job-incoming" ...
  std::string holdUntil;                  // job-hold-until: "indefinite", "no-hold", a time of day ...
  std::string user;                       // job-originating-user-name
  std::string printer;                    // the queue (or class) the job was sent to
  std::string title;                      // job-name
  std::string host;                       // job-originating-host-name
  std::int64_t documents = 0;             // number-of-documents
  std::int64_t createdS = 0;              // time-at-creation (seconds since the epoch), 0 unknown
};

struct PrinterFacts {
  std::string name;
  std::string holdDefault;  // job-hold-until-default: what a new job without job-hold-until gets
};

// One spooled document, read up to a bound. fd is the open file (for the extraction sandbox), or
// invalid when the spooler has no file to give.
struct SpooledDocument {
  std::string path;
  std::string data;
  bool complete = false;  // false: the file is larger than the bound and data holds its start
  std::int64_t size = 0;
  common::UniqueFd fd;
};

class PrintSpooler {
 public:
  virtual ~PrintSpooler() = default;

  // Which scheduler and spool: server is a socket path or loopback host:port (empty: the system's
  // default scheduler); spoolDir its RequestRoot. Takes effect at the next call.
  virtual void use(const std::string& server, const std::string& spoolDir) = 0;

  // The queues and the classes (a class is a queue that hands its jobs to one of its members).
  virtual common::Result<std::vector<PrinterFacts>> printers() = 0;
  // Sets a queue's or class's job-hold-until-default ("indefinite": every new job waits to be released).
  virtual common::Status setHoldDefault(const std::string& printer, const std::string& keyword) = 0;
  // The jobs not completed, canceled or aborted, in the order the scheduler lists them.
  virtual common::Result<std::vector<PrintJobFacts>> jobs() = 0;
  virtual common::Status hold(std::int64_t jobId) = 0;
  virtual common::Status release(std::int64_t jobId) = 0;
  virtual common::Status cancel(std::int64_t jobId) = 0;
  // The job's document number `number` (1-based), at most maxBytes of it.
  virtual common::Result<SpooledDocument> document(std::int64_t jobId, std::int64_t number, std::size_t maxBytes) = 0;

  // Returns when the spool changes (a job's file written), wake() is called, or timeoutMs passes.
  virtual void waitForChange(int timeoutMs) = 0;
  virtual void wake() = 0;
};

}  // namespace mamori::drivers
