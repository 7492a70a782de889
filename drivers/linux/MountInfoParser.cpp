#include "drivers/linux/MountInfoParser.h"

#include <algorithm>
#include <charconv>

namespace mamori::drivers::linux_os {

using common::pathIsUnder;

namespace {

// The kernel escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (digits.size() == 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        const int value = (digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0');
        if (value > 0 && value < 256) {
          out.push_back(static_cast<char>(value));
          i += 3;
          continue;
        }
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

std::vector<std::string_view> splitSpaces(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t end = std::min(line.find(' ', pos), line.size());
    if (end > pos) fields.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}

template <typename T>
bool parseNumber(std::string_view text, T& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

common::Result<MountEntry> parseLine(std::string_view line) {
  const auto fields = splitSpaces(line);
  // id parent major:minor root mount-point options [optional...] - fstype source super-options
  const auto dash = std::find(fields.begin(), fields.end(), std::string_view("-"));
  if (fields.size() < 6 || dash == fields.end() || dash - fields.begin() < 6 || fields.end() - dash < 3) {
    return common::makeError("expected \"ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - TYPE SOURCE OPTIONS\"");
  }
  MountEntry entry;
  const std::string_view device = fields[2];
  const std::size_t colon = device.find(':');
  if (!parseNumber(fields[0], entry.id) || !parseNumber(fields[1], entry.parentId) || colon == std::string_view::npos ||
      !parseNumber(device.substr(0, colon), entry.major) || !parseNumber(device.substr(colon + 1), entry.minor)) {
    return common::makeError("expected numeric ids and MAJOR:MINOR, found \"" + std::string(fields[0]) + " " +
                             std::string(fields[1]) + " " + std::string(device) + "\"");
  }
  entry.root = unescape(fields[3]);
  entry.mountPoint = unescape(fields[4]);
  if (entry.mountPoint.empty() || entry.mountPoint.front() != '/') {
    return common::makeError("expected an absolute mount point, found \"" + entry.mountPoint + "\"");
  }
  entry.fsType = unescape(*(dash + 1));
  entry.source = unescape(*(dash + 2));
  return entry;
}

}  // namespace

common::Result<std::vector<MountEntry>> parseMountInfo(std::string_view text) {
  std::vector<MountEntry> entries;
  std::size_t lineNumber = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNumber;
    if (line.empty()) continue;
    auto entry = parseLine(line);
    if (!entry) {
      return common::makeError("mountinfo line " + std::to_string(lineNumber) + ": " + entry.error().message);
    }
    entries.push_back(std::move(entry).value());
  }
  return entries;
}

std::vector<std::string> mountPointsCovering(const std::vector<MountEntry>& mounts,
                                             const std::vector<std::string>& roots) {
  std::vector<std::string> points;
  for (const auto& root : roots) {
    if (const MountEntry* holder = mountHolding(mounts, root)) {
      points.push_back(holder->mountPoint);
    } else if (!root.empty() && root.front() == '/') {
      // In a chroot or a container the mount holding the root can lie outside the process's root and
      // is then missing from mountinfo. Marking the root itself with FAN_MARK_MOUNT still reaches it:
      // the kernel marks the mount the path is on.
      points.push_back(root);
    }
    for (const auto& mount : mounts) {
      if (pathIsUnder(mount.mountPoint, root)) points.push_back(mount.mountPoint);
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

}  // namespace mamori::drivers::linux_os
