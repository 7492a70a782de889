#include "agent/device/RefusedOpens.h"

#include <chrono>

namespace mamori::agent::device {

namespace {
constexpr std::size_t kMaxRecent = 256;
}

bool RefusedOpens::admit(const drivers::RefusedOpen& open, std::int64_t nowMs) {
  const auto key = std::make_tuple(open.device.major, open.device.minor, open.device.block, open.pid, open.wantedWrite);
  const auto last = recent_.find(key);
  if (last != recent_.end() && nowMs - last->second < kEveryMs) {
    ++suppressed_;
    return false;
  }
  if (nowMs - windowStart_ >= kEveryMs) {
    windowStart_ = nowMs;
    inWindow_ = 0;
  }
  if (inWindow_ >= kBurst) {
    ++suppressed_;
    return false;
  }
  ++inWindow_;
  if (recent_.size() >= kMaxRecent) recent_.clear();
  recent_[key] = nowMs;
  return true;
}

void RefusedOpens::describe(Poco::JSON::Object& details, const drivers::RefusedOpen& open, const std::string& node) {
  details.set("open.node", node);
  details.set("open.device", numberText(open.device));
  details.set("open.access", std::string(open.wantedWrite ? "write" : "read"));
  details.set("open.suppressed", suppressed_);
  details.set("process.pid", open.pid);
  details.set("process.name", open.command);
  details.set("process.uid", open.uid);
  suppressed_ = 0;
}

std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace mamori::agent::device
