#include "drivers/linux/FanotifyFidRecords.h"

#include <cstring>

namespace mamori::drivers::linux_os {

namespace {

// Values of <linux/fanotify.h>, kept here so the parser builds (and is fuzzed) without kernel headers.
constexpr int kInfoFid = 1;
constexpr int kInfoDfidName = 2;
constexpr int kInfoDfid = 3;
constexpr int kInfoOldDfidName = 10;
constexpr int kInfoNewDfidName = 12;

constexpr std::size_t kHeaderBytes = 4;        // info_type, pad, len (u16)
constexpr std::size_t kFsidBytes = 8;          // __kernel_fsid_t
constexpr std::size_t kHandleHeaderBytes = 8;  // handle_bytes (u32), handle_type (s32)
constexpr std::size_t kMaxHandleBytes = 128;   // MAX_HANDLE_SZ

template <class T>
T load(std::string_view bytes, std::size_t at) {
  T value{};
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

bool hasName(int type) { return type == kInfoDfidName || type == kInfoOldDfidName || type == kInfoNewDfidName; }

}  // namespace

common::Result<std::vector<FidRecord>> parseFidRecords(std::string_view bytes) {
  std::vector<FidRecord> records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::string where = "fanotify info record at byte " + std::to_string(at);
    if (bytes.size() - at < kHeaderBytes) return common::makeError("truncated header", where);
    const int type = static_cast<std::uint8_t>(bytes[at]);
    const std::size_t length = load<std::uint16_t>(bytes, at + 2);
    if (length < kHeaderBytes || length > bytes.size() - at) {
      return common::makeError("length " + std::to_string(length) + " outside the event", where);
    }
    const std::string_view record = bytes.substr(at, length);
    at += length;
    if (type != kInfoFid && type != kInfoDfid && !hasName(type)) continue;
    if (record.size() < kHeaderBytes + kFsidBytes + kHandleHeaderBytes) {
      return common::makeError("record too short for a file handle", where);
    }
    FidRecord out;
    out.type = type;
    std::memcpy(out.fsid.data(), record.data() + kHeaderBytes, kFsidBytes);
    const std::size_t handleAt = kHeaderBytes + kFsidBytes;
    const std::size_t handleBytes = load<std::uint32_t>(record, handleAt);
    if (handleBytes > kMaxHandleBytes || handleBytes > record.size() - handleAt - kHandleHeaderBytes) {
      return common::makeError("file handle of " + std::to_string(handleBytes) + " bytes outside the record", where);
    }
    const std::size_t handleEnd = handleAt + kHandleHeaderBytes + handleBytes;
    out.handle.assign(record.data() + handleAt, handleEnd - handleAt);
    if (hasName(type)) {
      const std::string_view rest = record.substr(handleEnd);
      const auto end = rest.find('\0');
      if (end == std::string_view::npos) return common::makeError("name without its terminating NUL", where);
      out.name.assign(rest.substr(0, end));
      if (out.name.empty() || out.name.find('/') != std::string::npos) {
        return common::makeError("name that is not a directory entry", where);
      }
    }
    records.push_back(std::move(out));
  }
  return records;
}

}  // namespace mamori::drivers::linux_os
