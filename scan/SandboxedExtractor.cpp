#include "scan/SandboxedExtractor.h"

#include <csignal>
#include <cstring>

#include "scan/ExtractProtocol.h"
#include "scan/ExtractionService.h"

namespace mamori::scan {

namespace {

// A worker that closed its end is exiting: give it this long to finish before it is killed, so that
// how it ended (signal, exit code) is its own.
constexpr std::chrono::milliseconds kExitGrace{2000};

std::string signalName(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGSYS: return "SIGSYS: a system call outside the sandbox's allow-list";
    default: return "signal " + std::to_string(signal);
  }
}

}  // namespace

SandboxedExtractor::SandboxedExtractor(std::shared_ptr<drivers::SandboxLauncher> launcher, ExtractionLimits limits,
                                       std::chrono::milliseconds timeout)
    : launcher_(std::move(launcher)), limits_(limits), timeout_(timeout) {}

std::int64_t SandboxedExtractor::workerCpuNs() const { return retiredCpuNs_ + (worker_ ? worker_->cpuTimeNs() : 0); }

void SandboxedExtractor::fail(std::vector<NotInspected>& notInspected, std::chrono::milliseconds grace,
                              const std::string& reason, common::ErrorKind kind) {
  if (worker_) {
    retiredCpuNs_ += worker_->cpuTimeNs();
    worker_->stop(grace);
    worker_.reset();
  }
  notInspected.push_back({"", reason, kind});
}

void SandboxedExtractor::extract(std::string_view document, int fd, const PieceSink& sink,
                                 std::vector<NotInspected>& notInspected) {
  // A worker that died between documents (killed from outside) is found out at the first send and
  // replaced once; a second failure belongs to this document.
  if (exchange(document, fd, sink, notInspected, true) == Outcome::kRetry)
    exchange(document, fd, sink, notInspected, false);
}

SandboxedExtractor::Outcome SandboxedExtractor::exchange(std::string_view document, int fd, const PieceSink& sink,
                                                         std::vector<NotInspected>& notInspected, bool firstTry) {
  if (!worker_) {
    auto started = launcher_->start();
    if (!started) {
      notInspected.push_back(
          {"", "extractor unavailable: " + started.error().describe(), common::ErrorKind::kUnavailable});
      return Outcome::kFailed;
    }
    worker_ = std::move(started).value();
    ++started_;
  }
  const bool isInline = fd < 0;
  if (auto sent = worker_->send(encodeRequest(limits_, document.size(), document, isInline), fd); !sent) {
    retiredCpuNs_ += worker_->cpuTimeNs();
    worker_->stop(std::chrono::milliseconds(0));
    worker_.reset();
    if (firstTry) return Outcome::kRetry;
    notInspected.push_back({"", "extractor unavailable: " + sent.error().describe(), common::ErrorKind::kUnavailable});
    return Outcome::kFailed;
  }
  // Nothing a worker sends is bigger than a part under the memory cap and its decoded text.
  const auto maxFrame = static_cast<std::size_t>(3 * limits_.memoryCapBytes) + (64U << 10U);
  // A worker sends a piece per part at most, plus a not-inspected entry per part.
  const std::int64_t maxMessages = 4 * limits_.maxMembers * (limits_.maxDepth + 1) + 64;
  auto deadline = drivers::SandboxClock::now() + timeout_;
  for (std::int64_t messages = 0;; ++messages) {
    // The frame stays in the channel's buffer until the next receive: the piece's text is matched
    // there, not copied out.
    common::UniqueFd unexpectedFd;  // a worker sends none; one that does has it closed here
    auto frame = worker_->receiveView(deadline, maxFrame, unexpectedFd);
    if (!frame) {
      const auto kind = frame.error().kind;
      if (kind == common::ErrorKind::kTimedOut) {
        fail(notInspected, std::chrono::milliseconds(0),
             "extractor timed out (no result within " + std::to_string(timeout_.count() / 1000) + " s)",
             common::ErrorKind::kTimedOut);
        return Outcome::kFailed;
      }
      if (kind != common::ErrorKind::kUnavailable) {
        fail(notInspected, std::chrono::milliseconds(0), "extractor crashed (" + frame.error().message + ")",
             common::ErrorKind::kOther);
        return Outcome::kFailed;
      }
      retiredCpuNs_ += worker_->cpuTimeNs();  // a zombie's clock still reads until it is reaped
      const drivers::SandboxExit how = worker_->stop(kExitGrace);
      worker_.reset();
      if (!how.signaled && how.code == kExitOutOfMemory) {
        notInspected.push_back({"", "extractor out of memory", common::ErrorKind::kTooLarge});
      } else if (how.signaled && how.signal == SIGXCPU) {
        notInspected.push_back({"", "extractor timed out (CPU limit)", common::ErrorKind::kTimedOut});
      } else if (how.signaled) {
        notInspected.push_back({"", "extractor crashed (" + signalName(how.signal) + ")", common::ErrorKind::kOther});
      } else {
        notInspected.push_back(
            {"", "extractor crashed (exit status " + std::to_string(how.code) + ")", common::ErrorKind::kOther});
      }
      return Outcome::kFailed;
    }
    auto message = decodeWorkerMessage(frame.value());
    if (!message || messages > maxMessages) {
      fail(notInspected, std::chrono::milliseconds(0),
           "extractor crashed (" + (message ? std::string("too many messages") : message.error().message) + ")",
           common::ErrorKind::kOther);
      return Outcome::kFailed;
    }
    if (auto* piece = std::get_if<PieceMessage>(&message.value())) {
      piece->piece.raw = piece->rawIsDocument ? document : piece->rawBytes;
      // The matchers' time is not the worker's: the deadline moves by what the sink took.
      const auto before = drivers::SandboxClock::now();
      sink(piece->piece);
      deadline += drivers::SandboxClock::now() - before;
    } else if (auto* skipped = std::get_if<NotInspected>(&message.value())) {
      notInspected.push_back(std::move(*skipped));
    } else if (std::holds_alternative<DoneMessage>(message.value())) {
      return Outcome::kDone;
    } else {
      const auto& failure = std::get<FailureMessage>(message.value());
      if (failure.failure == WorkerFailure::kOutOfMemory) {
        fail(notInspected, kExitGrace, "extractor out of memory", common::ErrorKind::kTooLarge);
      } else {
        fail(notInspected, kExitGrace, "extractor crashed (" + failure.message + ")", common::ErrorKind::kOther);
      }
      return Outcome::kFailed;
    }
  }
}

}  // namespace mamori::scan
