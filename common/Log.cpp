#include "common/Log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "common/Utf8.h"

namespace mamori::common::log {

namespace {
std::atomic<int> gLevel{static_cast<int>(Level::Info)};
std::mutex gMutex;
std::string& programName() {  // guarded by gMutex; a function-local static cannot throw at load time
  static std::string name = "mamori";
  return name;
}

const char* levelName(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warning: return "warning";
    case Level::Error: return "error";
  }
  return "?";
}
}  // namespace

void setProgramName(std::string name) {
  std::lock_guard lock(gMutex);
  programName() = std::move(name);
}

void setLevel(Level level) { gLevel = static_cast<int>(level); }

bool parseLevel(std::string_view name, Level& out) {
  for (Level l : {Level::Debug, Level::Info, Level::Warning, Level::Error}) {
    if (name == levelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool enabled(Level level) { return static_cast<int>(level) >= gLevel.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  // Messages carry outside text (a USB product string, a process name, a file or archive member name,
  // a user name typed at the console's sign-in): a line break, an escape sequence or a direction
  // override in it must not forge a second log line or act on the terminal or journal viewer showing
  // it. Printable ASCII, the usual case, is written as it is; anything else passes through
  // visibleText ("<U+000A>", "<U+001B>", "<0xFF>"; every script kept).
  std::string shown;
  for (const char c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      shown = visibleText(message);
      message = shown;
      break;
    }
  }
  std::lock_guard lock(gMutex);
  std::fprintf(stderr, "%s[%d] %s: %.*s\n", programName().c_str(), static_cast<int>(getpid()), levelName(level),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace mamori::common::log
