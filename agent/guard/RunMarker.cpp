#include "agent/guard/RunMarker.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/Files.h"

namespace mamori::agent::guard {

namespace {
std::int64_t numberAfter(const std::string& text, const std::string& key) {
  const auto at = text.find(key + "=");
  if (at == std::string::npos) return 0;
  std::int64_t value = 0;
  const char* begin = text.data() + at + key.size() + 1;
  std::from_chars(begin, text.data() + text.size(), value);
  return value;
}
}  // namespace

common::Result<std::optional<PreviousRun>> RunMarker::markRunning(std::int64_t pid, std::int64_t nowMs) {
  std::optional<PreviousRun> previous;
  if (common::fileExists(path_)) {
    // Whatever it holds, its presence is the finding; the content only adds detail.
    auto text = common::readSmallFile(path_, 4096);
    PreviousRun run;
    if (text) {
      run.pid = numberAfter(text.value(), "pid");
      run.startedMs = numberAfter(text.value(), "started_ms");
    }
    previous = run;
  }
  const std::string content = "pid=" + std::to_string(pid) + "\nstarted_ms=" + std::to_string(nowMs) + "\n";
  if (auto written = common::writeFileAtomically(path_, content, 0600); !written) return written.error();
  return previous;
}

common::Status RunMarker::clear() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return common::makeError("cannot remove", path_, errno);
  return common::Ok{};
}

}  // namespace mamori::agent::guard
