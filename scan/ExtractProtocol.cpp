#include "scan/ExtractProtocol.h"

#include <cstring>

namespace mamori::scan {

namespace {

// Longest container path or reason a worker may send; far above any real one.
constexpr std::uint32_t kMaxNameBytes = 64U << 10U;

void putU8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
template <typename T>
void putLittle(std::string& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}
void putU32(std::string& out, std::uint32_t v) { putLittle(out, v); }
void putU64(std::string& out, std::uint64_t v) { putLittle(out, v); }
void putStr(std::string& out, std::string_view s) {
  putU32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

common::Error corrupt(const std::string& what) {
  return common::makeError(common::ErrorKind::kCorrupt, "bad extraction message: " + what);
}

// Reads fields off the front of a frame; every read checks what is left.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u8(std::uint8_t& v) {
    if (data_.empty()) return false;
    v = static_cast<std::uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }
  template <typename T>
  bool little(T& v) {  // an unsigned integer, little-endian
    if (data_.size() < sizeof(T)) return false;
    v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v |= static_cast<T>(static_cast<T>(static_cast<unsigned char>(data_[i])) << (8 * i));
    data_.remove_prefix(sizeof(T));
    return true;
  }
  bool u32(std::uint32_t& v) { return little(v); }
  bool u64(std::uint64_t& v) { return little(v); }
  bool str(std::string_view& v, std::uint32_t max) {
    std::uint32_t n = 0;
    if (!u32(n) || n > max || n > data_.size()) return false;
    v = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  std::string_view rest() const { return data_; }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

bool positive(std::uint64_t v) { return v > 0 && v <= static_cast<std::uint64_t>(INT64_MAX); }

}  // namespace

std::string encodeRequest(const ExtractionLimits& limits, std::uint64_t size, std::string_view inlineData,
                          bool isInline, std::uint64_t skipPieces) {
  std::string out;
  out.reserve(64 + (isInline ? inlineData.size() : 0));
  putU8(out, 'R');
  putU8(out, kExtractProtocolVersion);
  for (const std::int64_t v :
       {limits.maxDepth, limits.maxMembers, limits.maxTotalBytes, limits.maxRatio, limits.memoryCapBytes})
    putU64(out, static_cast<std::uint64_t>(v));
  putU64(out, size);
  putU64(out, skipPieces);
  putU8(out, isInline ? 1 : 0);
  if (isInline) out.append(inlineData);
  return out;
}

common::Result<ExtractRequest> decodeRequest(std::string_view frame) {
  Reader r(frame);
  std::uint8_t tag = 0;
  std::uint8_t version = 0;
  if (!r.u8(tag) || tag != 'R') return corrupt("not a request");
  if (!r.u8(version) || version != kExtractProtocolVersion) return corrupt("unknown request version");
  std::uint64_t depth = 0, members = 0, total = 0, ratio = 0, memory = 0, size = 0, skip = 0;
  std::uint8_t isInline = 0;
  if (!r.u64(depth) || !r.u64(members) || !r.u64(total) || !r.u64(ratio) || !r.u64(memory) || !r.u64(size) ||
      !r.u64(skip) || !r.u8(isInline))
    return corrupt("truncated request");
  if (depth > 64 || !positive(members) || !positive(total) || !positive(ratio) || !positive(memory) || isInline > 1)
    return corrupt("request limits out of range");
  ExtractRequest request;
  request.limits = {static_cast<std::int64_t>(depth), static_cast<std::int64_t>(members),
                    static_cast<std::int64_t>(total), static_cast<std::int64_t>(ratio),
                    static_cast<std::int64_t>(memory)};
  request.size = size;
  request.skipPieces = skip;
  request.inlineData = isInline == 1;
  if (request.inlineData) {
    if (r.rest().size() != size) return corrupt("inline document length differs from its size");
    request.data = r.rest();
  } else if (!r.done()) {
    return corrupt("trailing bytes after the request");
  }
  return request;
}

PieceParts encodePieceParts(const Piece& piece, bool rawIsDocument) {
  PieceParts parts;
  parts.head.reserve(16 + piece.location.size());
  putU8(parts.head, 'P');
  putU8(parts.head, static_cast<std::uint8_t>(piece.kind));
  putU8(parts.head, static_cast<std::uint8_t>(piece.detectOn));
  putU8(parts.head, rawIsDocument ? 1 : 0);
  putStr(parts.head, piece.location);
  putU32(parts.head, static_cast<std::uint32_t>(rawIsDocument ? 0 : piece.raw.size()));
  putU32(parts.middle, static_cast<std::uint32_t>(piece.decoded.size()));
  return parts;
}

std::string encodePiece(const Piece& piece, bool rawIsDocument) {
  const PieceParts parts = encodePieceParts(piece, rawIsDocument);
  std::string out;
  out.reserve(parts.head.size() + (rawIsDocument ? 0 : piece.raw.size()) + parts.middle.size() + piece.decoded.size());
  out.append(parts.head);
  if (!rawIsDocument) out.append(piece.raw);
  out.append(parts.middle);
  out.append(piece.decoded);
  return out;
}

std::string encodeNotInspected(const NotInspected& skipped) {
  std::string out;
  putU8(out, 'N');
  putU8(out, static_cast<std::uint8_t>(skipped.kind));
  putStr(out, skipped.location.substr(0, kMaxNameBytes));
  putStr(out, skipped.reason.substr(0, kMaxNameBytes));
  return out;
}

std::string encodeDone() { return "D"; }

std::string encodeFailure(WorkerFailure failure, std::string_view message) {
  std::string out;
  putU8(out, 'F');
  putU8(out, static_cast<std::uint8_t>(failure));
  putStr(out, message.substr(0, kMaxNameBytes));
  return out;
}

std::string encodeNeedsArchives(std::uint64_t piecesSent) {
  std::string out;
  putU8(out, 'A');
  putU64(out, piecesSent);
  return out;
}

common::Result<WorkerMessage> decodeWorkerMessage(std::string_view frame) {
  Reader r(frame);
  std::uint8_t tag = 0;
  if (!r.u8(tag)) return corrupt("empty frame");
  switch (tag) {
    case 'P': {
      std::uint8_t kind = 0, detectOn = 0, rawIsDocument = 0;
      std::string_view location, raw, decoded;
      if (!r.u8(kind) || !r.u8(detectOn) || !r.u8(rawIsDocument) || !r.str(location, kMaxNameBytes) ||
          !r.str(raw, UINT32_MAX) || !r.str(decoded, UINT32_MAX))
        return corrupt("truncated piece");
      if (!r.done()) return corrupt("trailing bytes after a piece");
      if (kind > static_cast<std::uint8_t>(PartKind::kText)) return corrupt("unknown piece kind");
      if (detectOn > static_cast<std::uint8_t>(DetectOn::kDecoded)) return corrupt("unknown detector input");
      if (rawIsDocument > 1 || (rawIsDocument == 1 && !raw.empty())) return corrupt("bad document reference");
      PieceMessage message;
      message.rawIsDocument = rawIsDocument == 1;
      message.rawBytes = raw;
      message.piece.location = std::string(location);
      message.piece.kind = static_cast<PartKind>(kind);
      message.piece.detectOn = static_cast<DetectOn>(detectOn);
      message.piece.decoded = std::string(decoded);
      return WorkerMessage{std::move(message)};
    }
    case 'N': {
      std::uint8_t kind = 0;
      std::string_view location, reason;
      if (!r.u8(kind) || !r.str(location, kMaxNameBytes) || !r.str(reason, kMaxNameBytes))
        return corrupt("truncated not-inspected part");
      if (!r.done()) return corrupt("trailing bytes after a not-inspected part");
      if (kind > static_cast<std::uint8_t>(common::ErrorKind::kUnavailable)) return corrupt("unknown error kind");
      return WorkerMessage{
          NotInspected{std::string(location), std::string(reason), static_cast<common::ErrorKind>(kind)}};
    }
    case 'D':
      if (!r.done()) return corrupt("trailing bytes after done");
      return WorkerMessage{DoneMessage{}};
    case 'F': {
      std::uint8_t failure = 0;
      std::string_view message;
      if (!r.u8(failure) || !r.str(message, kMaxNameBytes)) return corrupt("truncated failure");
      if (!r.done()) return corrupt("trailing bytes after a failure");
      if (failure < 1 || failure > 3) return corrupt("unknown failure");
      return WorkerMessage{FailureMessage{static_cast<WorkerFailure>(failure), std::string(message)}};
    }
    case 'A': {
      std::uint64_t sent = 0;
      if (!r.u64(sent)) return corrupt("truncated archives message");
      if (!r.done()) return corrupt("trailing bytes after an archives message");
      return WorkerMessage{NeedsArchivesMessage{sent}};
    }
    default: return corrupt("unknown message tag");
  }
}

}  // namespace mamori::scan
