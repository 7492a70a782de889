#include "drivers/linux/UeventParser.h"

#include <charconv>

namespace mamori::drivers::linux_os {

namespace {
common::Error bad(const std::string& why) { return common::makeError(why, "uevent"); }

bool printable(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}
}  // namespace

common::Result<Uevent> parseUevent(std::string_view bytes) {
  if (bytes.size() > kMaxUeventBytes) return bad("datagram of " + std::to_string(bytes.size()) + " bytes is too large");
  if (bytes.substr(0, 8) == std::string_view("libudev\0", 8)) return bad("a udev re-broadcast, not a kernel uevent");
  // Fields are NUL-terminated; the last one may lack its terminator.
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\0', start);
    if (end == std::string_view::npos) end = bytes.size();
    if (end > start) fields.push_back(bytes.substr(start, end - start));
    start = end + 1;
  }
  if (fields.empty()) return bad("empty datagram");
  const std::string_view header = fields.front();
  const auto at = header.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= header.size()) {
    return bad("header is not ACTION@DEVPATH");
  }
  Uevent event;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    const std::string_view field = fields[i];
    const auto eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0) return bad("field " + std::to_string(i) + " is not KEY=VALUE");
    const std::string_view key = field.substr(0, eq);
    const std::string_view value = field.substr(eq + 1);
    if (!printable(key) || !printable(value)) return bad("field " + std::to_string(i) + " has control characters");
    event.vars[std::string(key)] = std::string(value);
  }
  auto var = [&event](const char* key) -> std::string {
    const auto it = event.vars.find(key);
    return it == event.vars.end() ? std::string() : it->second;
  };
  event.action = var("ACTION");
  event.devpath = var("DEVPATH");
  if (event.action.empty() || event.devpath.empty()) return bad("ACTION or DEVPATH missing");
  if (header.substr(0, at) != event.action || header.substr(at + 1) != event.devpath) {
    return bad("header disagrees with ACTION/DEVPATH");
  }
  if (event.devpath.front() != '/' || event.devpath.find("/../") != std::string::npos ||
      (event.devpath.size() >= 3 && event.devpath.compare(event.devpath.size() - 3, 3, "/..") == 0)) {
    return bad("DEVPATH is not an absolute path below /sys");
  }
  event.subsystem = var("SUBSYSTEM");
  event.devtype = var("DEVTYPE");
  event.devname = var("DEVNAME");
  if (const std::string seq = var("SEQNUM"); !seq.empty()) {
    const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), event.seqnum);
    if (ec != std::errc() || end != seq.data() + seq.size()) return bad("SEQNUM is not a number");
  }
  return event;
}

}  // namespace mamori::drivers::linux_os
