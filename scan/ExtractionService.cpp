#include "scan/ExtractionService.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <new>

#include "scan/ArchiveReader.h"
#include "scan/ErrnoText.h"
#include "scan/ExtractProtocol.h"
#include "scan/Pieces.h"

namespace mamori::scan {

namespace {

// A request is small unless the document travels inline (ContentScanner::inspectBytes).
constexpr std::size_t kMaxRequestBytes = (1ULL << 30U) + 4096;

// The document behind a received descriptor, read with pread: the parent's file offset is not ours.
common::Result<std::string> readDocument(int fd, std::uint64_t size) {
  std::string data(static_cast<std::size_t>(size), '\0');
  std::size_t used = 0;
  while (used < data.size()) {
    const ssize_t n = ::pread(fd, data.data() + used, data.size() - used, static_cast<off_t>(used));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::makeError(std::string("cannot read: ") + errnoText(errno), {}, errno);
    if (n == 0) break;  // shrank since the scanner read it: extract what is there
    used += static_cast<std::size_t>(n);
  }
  data.resize(used);
  return data;
}

// One request; false when the worker must end (status says how).
bool serveOne(drivers::SandboxChannel& channel, std::string_view frame, const common::UniqueFd& fd,
              const DocumentHook& hook, int& status) {
  auto request = decodeRequest(frame);
  if (!request) {
    (void)channel.send(encodeFailure(WorkerFailure::kBadRequest, request.error().message));
    status = kExitBadRequest;
    return false;
  }
  const ExtractRequest& r = request.value();
  std::string owned;
  std::string_view document;
  if (r.inlineData) {
    document = r.data;
  } else {
    if (!fd.valid()) {
      (void)channel.send(encodeFailure(WorkerFailure::kBadRequest, "request without its document"));
      status = kExitBadRequest;
      return false;
    }
    auto read = readDocument(fd.get(), r.size);
    if (!read) {
      NotInspected unreadable{"", read.error().message, read.error().kind};
      return channel.queue(encodeNotInspected(unreadable)) && channel.queue(encodeDone()) && channel.flush();
    }
    owned = std::move(read).value();
    document = owned;
  }
  if (hook) hook(document);
  bool sent = true;
  std::uint64_t produced = 0;  // pieces of this document so far, sent or skipped
  std::vector<NotInspected> skipped;
  try {
    extractPieces(
        document, r.limits,
        [&](const Piece& piece) {
          // The light worker sent the first ones already (docs/decisions/0062).
          if (!sent || produced++ < r.skipPieces) return;
          // The whole document is the parent's already: say so rather than send it back.
          const bool isDocument = piece.raw.data() == document.data() && piece.raw.size() == document.size();
          // In parts: the text goes to the socket from where the extractor left it, not copied first.
          const PieceParts parts = encodePieceParts(piece, isDocument);
          const std::array<std::string_view, 4> answer{parts.head, isDocument ? std::string_view{} : piece.raw,
                                                       parts.middle, piece.decoded};
          sent = static_cast<bool>(channel.queueParts(answer));
        },
        skipped);
  } catch (const ArchiveReaderAbsent&) {
    // This program (the light worker) has no libarchive: the full worker does the rest of the
    // document. The skipped parts so far are dropped: the full worker finds them again.
    if (sent) sent = channel.queue(encodeNeedsArchives(produced)) && channel.flush();
    return sent;
  }
  for (const auto& s : skipped) {
    if (sent) sent = static_cast<bool>(channel.queue(encodeNotInspected(s)));
  }
  // The answers to one document leave together (or as the queue fills, for large parts).
  if (sent) sent = channel.queue(encodeDone()) && channel.flush();
  return sent;  // a parent that stopped listening has gone: nothing more to do
}

}  // namespace

int serveExtraction(drivers::SandboxChannel& channel, const DocumentHook& hook) {
  for (;;) {
    int status = kExitClean;
    try {
      // The request is read where it lies (an inline document is not copied).
      common::UniqueFd fd;
      auto frame = channel.receiveView(std::nullopt, kMaxRequestBytes, fd);
      if (!frame) return kExitClean;  // the parent closed the channel (or is gone)
      if (!serveOne(channel, frame.value(), fd, hook, status)) return status;
    } catch (const std::bad_alloc&) {
      // Under RLIMIT_AS: report it and end; the parent starts a fresh worker with a clean heap.
      (void)channel.send(encodeFailure(WorkerFailure::kOutOfMemory, "allocation failed"));
      return kExitOutOfMemory;
    } catch (const std::exception& e) {
      (void)channel.send(encodeFailure(WorkerFailure::kInternal, e.what()));
      return kExitInternal;
    }
  }
}

}  // namespace mamori::scan
