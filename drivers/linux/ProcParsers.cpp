#include "drivers/linux/ProcParsers.h"

#include <charconv>
#include <optional>
#include <unordered_set>

namespace mamori::drivers::linux_os {

namespace {

template <typename T>
bool toNumber(std::string_view text, T& out) {
  if (text.empty()) return false;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

// Splits on runs of spaces (the kernel separates fields with exactly one, but be lenient).
std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

constexpr std::string_view kDeleted = " (deleted)";

// What take() finds in the first line of text it finds something in; nullopt when no line has it.
template <typename Take>
auto firstLine(std::string_view text, Take take) -> decltype(take(text)) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (auto found = take(line)) return found;
  }
  return std::nullopt;
}

// The whitespace-separated values after "Key:" on the first line of /proc/PID/status that starts
// with it; nullopt when no line does.
std::optional<std::vector<std::string_view>> statusValues(std::string_view text, std::string_view key) {
  return firstLine(text, [key](std::string_view line) -> std::optional<std::vector<std::string_view>> {
    if (line.substr(0, key.size()) == key) return fields(line.substr(key.size()));
    return std::nullopt;
  });
}

}  // namespace

common::Result<ProcStat> parseProcStat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return common::makeError("no (comm) in the stat line", "stat");
  }
  ProcStat stat;
  const auto head = fields(text.substr(0, open));
  if (head.size() != 1 || !toNumber(head[0], stat.pid)) {
    return common::makeError("the stat line does not start with a pid", "stat");
  }
  stat.comm = std::string(text.substr(open + 1, close - open - 1));
  // After comm: field 3 (state) is rest[0], so field N is rest[N - 3].
  const auto rest = fields(text.substr(close + 1));
  if (rest.size() < 20) return common::makeError("the stat line has fewer than 22 fields", "stat");
  if (rest[0].size() != 1) return common::makeError("bad state field", "stat");
  stat.state = rest[0][0];
  if (!toNumber(rest[1], stat.ppid)) return common::makeError("bad ppid field", "stat");
  if (!toNumber(rest[6], stat.flags)) return common::makeError("bad flags field", "stat");
  if (!toNumber(rest[11], stat.userTicks)) return common::makeError("bad utime field", "stat");
  if (!toNumber(rest[12], stat.systemTicks)) return common::makeError("bad stime field", "stat");
  if (!toNumber(rest[19], stat.startTime)) return common::makeError("bad starttime field", "stat");
  if (rest.size() > 20 && !toNumber(rest[20], stat.virtualBytes)) return common::makeError("bad vsize field", "stat");
  return stat;
}

common::Result<uid_t> parseProcStatusUid(std::string_view text) {
  const auto values = statusValues(text, "Uid:");
  if (!values) return common::makeError("no Uid line", "status");
  uid_t uid = 0;
  if (values->empty() || !toNumber((*values)[0], uid)) return common::makeError("bad Uid line", "status");
  return uid;
}

common::Result<std::int64_t> parseProcStatusResidentKib(std::string_view text) {
  const auto values = statusValues(text, "VmRSS:");
  // Kernel threads and zombies have no VmRSS line.
  if (!values) return common::makeError("no VmRSS line", "status");
  std::int64_t kib = 0;
  if (values->empty() || !toNumber((*values)[0], kib) || kib < 0) return common::makeError("bad VmRSS line", "status");
  return kib;
}

std::vector<std::string> parseCmdline(std::string_view bytes) {
  std::vector<std::string> argv;
  if (bytes.empty()) return argv;
  if (bytes.back() == '\0') bytes.remove_suffix(1);
  std::size_t pos = 0;
  while (true) {
    const auto nul = bytes.find('\0', pos);
    argv.emplace_back(bytes.substr(pos, nul == std::string_view::npos ? std::string_view::npos : nul - pos));
    if (nul == std::string_view::npos) break;
    pos = nul + 1;
  }
  return argv;
}

namespace {
// "start-end" in lower-case hex, as maps and map_files name a range; anything else is no file name to
// open below /proc/PID/map_files.
bool validRange(std::string_view range) {
  const auto dash = range.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == range.size() || range.size() > 33) return false;
  for (std::size_t i = 0; i < range.size(); ++i) {
    const char c = range[i];
    if (i != dash && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

std::vector<ExecutableMapping> parseProcMaps(std::string_view text) {
  std::vector<ExecutableMapping> out;
  std::unordered_set<std::string> seen;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    const bool complete = end != std::string_view::npos;
    if (!complete) end = text.size();
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!complete) break;  // a truncated last line may hold half a path
    // address perms offset dev inode [path]: five fields, then the path after padding.
    std::size_t i = 0;
    std::string_view parts[5];
    bool ok = true;
    for (auto& part : parts) {
      while (i < line.size() && line[i] == ' ') ++i;
      const std::size_t start = i;
      while (i < line.size() && line[i] != ' ') ++i;
      if (i == start) {
        ok = false;
        break;
      }
      part = line.substr(start, i - start);
    }
    if (!ok || parts[1].size() != 4 || parts[1][2] != 'x') continue;
    while (i < line.size() && line[i] == ' ') ++i;
    std::string_view path = line.substr(i);
    if (path.empty() || path[0] != '/') continue;  // [vdso], [heap], anonymous
    ExecutableMapping mapping;
    if (!toNumber(parts[4], mapping.inode) || mapping.inode == 0) continue;
    if (validRange(parts[0])) mapping.addresses = std::string(parts[0]);
    if (path.size() > kDeleted.size() && path.substr(path.size() - kDeleted.size()) == kDeleted) {
      path.remove_suffix(kDeleted.size());
      mapping.deleted = true;
    }
    mapping.path = std::string(path);
    if (!seen.insert(mapping.path).second) continue;
    out.push_back(std::move(mapping));
  }
  return out;
}

common::Result<std::string> parseProcCgroupV2(std::string_view text) {
  const auto path = firstLine(text, [](std::string_view line) -> std::optional<std::string_view> {
    if (line.rfind("0::", 0) == 0 && line.size() > 3 && line[3] == '/') return line.substr(3);
    return std::nullopt;
  });
  if (path) return std::string(*path);
  return common::makeError("no cgroup v2 line", "cgroup");
}

}  // namespace mamori::drivers::linux_os
