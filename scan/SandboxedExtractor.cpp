#include "scan/SandboxedExtractor.h"

#include <csignal>
#include <cstring>

#include "scan/ExtractProtocol.h"
#include "scan/ExtractionService.h"
#include "scan/FileType.h"

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
    : limits_(limits), timeout_(timeout) {
  if (auto fallback = launcher ? launcher->fallback() : nullptr) {
    light_.launcher = std::move(launcher);
    full_.launcher = std::move(fallback);
  } else {
    full_.launcher = std::move(launcher);
  }
}

std::int64_t SandboxedExtractor::workerCpuNs() const { return light_.cpuNs() + full_.cpuNs(); }

drivers::SandboxExit SandboxedExtractor::Slot::stop(std::chrono::milliseconds grace) {
  retiredCpuNs += worker->cpuTimeNs();  // a zombie's clock still reads until it is reaped
  const drivers::SandboxExit how = worker->stop(grace);
  worker.reset();
  return how;
}

void SandboxedExtractor::fail(Slot& slot, std::vector<NotInspected>& notInspected, std::chrono::milliseconds grace,
                              const std::string& reason, common::ErrorKind kind) {
  if (slot.worker) slot.stop(grace);
  notInspected.push_back({"", reason, kind});
}

void SandboxedExtractor::extract(std::string_view document, int fd, const PieceSink& sink,
                                 std::vector<NotInspected>& notInspected) {
  // A document that is itself an archive only libarchive reads goes to the full worker at once (magic
  // bytes, as plainPiece reads them); the light worker finds the ones nested deeper.
  const FileType type = light_.launcher ? sniffFileType(document) : FileType::kOther;
  const bool archive = type == FileType::kArchive || type == FileType::kCompressed;
  std::uint64_t pieces = 0;
  if (light_.launcher && !archive) {
    if (run(light_, document, fd, sink, notInspected, 0, pieces) != Outcome::kNeedsArchives) return;
  }
  std::uint64_t rest = 0;
  run(full_, document, fd, sink, notInspected, pieces, rest);
}

SandboxedExtractor::Outcome SandboxedExtractor::run(Slot& slot, std::string_view document, int fd,
                                                    const PieceSink& sink, std::vector<NotInspected>& notInspected,
                                                    std::uint64_t skip, std::uint64_t& pieces) {
  // A worker that died between documents (killed from outside) is found out at the first send and
  // replaced once; a second failure belongs to this document.
  const Outcome outcome = exchange(slot, document, fd, sink, notInspected, true, skip, pieces);
  if (outcome != Outcome::kRetry) return outcome;
  return exchange(slot, document, fd, sink, notInspected, false, skip, pieces);
}

SandboxedExtractor::Outcome SandboxedExtractor::exchange(Slot& slot, std::string_view document, int fd,
                                                         const PieceSink& sink, std::vector<NotInspected>& notInspected,
                                                         bool firstTry, std::uint64_t skip, std::uint64_t& pieces) {
  if (!slot.worker) {
    auto started = slot.launcher->start();
    if (!started) {
      notInspected.push_back(
          {"", "extractor unavailable: " + started.error().describe(), common::ErrorKind::kUnavailable});
      return Outcome::kFailed;
    }
    slot.worker = std::move(started).value();
    ++slot.started;
  }
  const bool isInline = fd < 0;
  if (auto sent = slot.worker->send(encodeRequest(limits_, document.size(), document, isInline, skip), fd); !sent) {
    slot.stop(std::chrono::milliseconds(0));
    if (firstTry) return Outcome::kRetry;
    notInspected.push_back({"", "extractor unavailable: " + sent.error().describe(), common::ErrorKind::kUnavailable});
    return Outcome::kFailed;
  }
  pieces = 0;
  // Nothing a worker sends is bigger than a part under the memory cap and its decoded text.
  const auto maxFrame = static_cast<std::size_t>(3 * limits_.memoryCapBytes) + (64U << 10U);
  // A worker sends a piece per part at most, plus a not-inspected entry per part.
  const std::int64_t maxMessages = 4 * limits_.maxMembers * (limits_.maxDepth + 1) + 64;
  auto deadline = drivers::SandboxClock::now() + timeout_;
  for (std::int64_t messages = 0;; ++messages) {
    // The frame stays in the channel's buffer until the next receive: the piece's text is matched
    // there, not copied out.
    common::UniqueFd unexpectedFd;  // a worker sends none; one that does has it closed here
    auto frame = slot.worker->receiveView(deadline, maxFrame, unexpectedFd);
    if (!frame) {
      const auto kind = frame.error().kind;
      if (kind == common::ErrorKind::kTimedOut) {
        fail(slot, notInspected, std::chrono::milliseconds(0),
             "extractor timed out (no result within " + std::to_string(timeout_.count() / 1000) + " s)",
             common::ErrorKind::kTimedOut);
        return Outcome::kFailed;
      }
      if (kind != common::ErrorKind::kUnavailable) {
        fail(slot, notInspected, std::chrono::milliseconds(0), "extractor crashed (" + frame.error().message + ")",
             common::ErrorKind::kOther);
        return Outcome::kFailed;
      }
      const drivers::SandboxExit how = slot.stop(kExitGrace);
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
      fail(slot, notInspected, std::chrono::milliseconds(0),
           "extractor crashed (" + (message ? std::string("too many messages") : message.error().message) + ")",
           common::ErrorKind::kOther);
      return Outcome::kFailed;
    }
    if (auto* piece = std::get_if<PieceMessage>(&message.value())) {
      ++pieces;
      piece->piece.raw = piece->rawIsDocument ? document : piece->rawBytes;
      // The matchers' time is not the worker's: the deadline moves by what the sink took.
      const auto before = drivers::SandboxClock::now();
      sink(piece->piece);
      deadline += drivers::SandboxClock::now() - before;
    } else if (auto* skipped = std::get_if<NotInspected>(&message.value())) {
      notInspected.push_back(std::move(*skipped));
    } else if (std::holds_alternative<DoneMessage>(message.value())) {
      return Outcome::kDone;
    } else if (const auto* archives = std::get_if<NeedsArchivesMessage>(&message.value())) {
      // Only the light worker may hand a document on, and only after the pieces it sent.
      if (&slot != &light_ || archives->piecesSent != pieces) {
        fail(slot, notInspected, std::chrono::milliseconds(0), "extractor crashed (a document handed on wrongly)",
             common::ErrorKind::kOther);
        return Outcome::kFailed;
      }
      return Outcome::kNeedsArchives;
    } else {
      const auto& failure = std::get<FailureMessage>(message.value());
      if (failure.failure == WorkerFailure::kOutOfMemory) {
        fail(slot, notInspected, kExitGrace, "extractor out of memory", common::ErrorKind::kTooLarge);
      } else {
        fail(slot, notInspected, kExitGrace, "extractor crashed (" + failure.message + ")", common::ErrorKind::kOther);
      }
      return Outcome::kFailed;
    }
  }
}

}  // namespace mamori::scan
