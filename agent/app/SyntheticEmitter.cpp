#include "agent/app/SyntheticEmitter.h"

#include <algorithm>
#include <array>
#include <vector>

#include "common/Log.h"

namespace mamori::agent {

namespace {
constexpr int kRetryAfterErrorMs = 1000;
constexpr std::array<const char*, 5> kActions = {"file.copied", "file.read", "archive.created", "print.submitted",
                                                 "device.connected"};
constexpr std::array<const char*, 4> kProcesses = {"explorer", "cp", "7z", "soffice"};

common::Severity severityFor(std::int64_t n) {
  if (n % 1000 == 0) return common::Severity::Critical;
  switch (n % 20) {
    case 0: return common::Severity::High;
    case 1:
    case 2: return common::Severity::Medium;
    case 3:
    case 4:
    case 5:
    case 6: return common::Severity::Low;
    default: return common::Severity::Info;
  }
}
}  // namespace

SyntheticEmitter::SyntheticEmitter(Spool& spool, EventFactory& events, std::int64_t total, QObject* parent)
    : QObject(parent), spool_(spool), events_(events), total_(total) {
  timer_.setInterval(0);
  connect(&timer_, &QTimer::timeout, this, &SyntheticEmitter::tick);
}

void SyntheticEmitter::start() {
  if (total_ <= 0) {
    emit finished();
    return;
  }
  timer_.start();
}

void SyntheticEmitter::stop() { timer_.stop(); }

common::Event SyntheticEmitter::make(EventFactory& events, std::int64_t n) {
  const auto i = static_cast<std::size_t>(n);
  auto details = makeDetails();
  details->set("synthetic.seq", n);
  details->set("event.action", std::string(kActions[i % kActions.size()]));
  details->set("process.name", std::string(kProcesses[i % kProcesses.size()]));
  details->set("process.pid", static_cast<std::int64_t>(1000 + n % 30000));
  details->set("file.path", "/home/user" + std::to_string(n % 50) + "/Documents/report-" + std::to_string(n) + ".xlsx");
  details->set("file.size", static_cast<std::int64_t>(4096 + (n * 7919) % 1'000'000));
  return events.make("agent.synthetic", severityFor(n), details);
}

void SyntheticEmitter::tick() {
  const std::int64_t count = std::min(kChunk, total_ - emitted_);
  std::vector<common::Event> chunk;
  chunk.reserve(static_cast<std::size_t>(count));
  for (std::int64_t k = 1; k <= count; ++k) chunk.push_back(make(events_, emitted_ + k));
  if (auto appended = spool_.append(chunk); !appended) {
    common::log::error("synthetic: " + appended.error().describe() + "; trying again");
    timer_.start(kRetryAfterErrorMs);
    return;
  }
  emitted_ += count;
  timer_.setInterval(0);
  emit chunkSpooled();
  if (done()) {
    timer_.stop();
    common::log::info("synthetic: " + std::to_string(emitted_) + " events spooled");
    emit finished();
  }
}

}  // namespace mamori::agent
