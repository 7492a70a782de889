#include "bench/fleet/CollectorSampler.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>

#include "common/Files.h"
#include "drivers/linux/LinuxProcessUsage.h"

namespace mamori::bench {

namespace asio = boost::asio;
using Clock = FleetContext::Clock;

namespace {

int currentPid(const FleetContext& context) {
  if (context.options.collectorPidFile.empty()) return context.options.collectorPid;
  auto text = common::readSmallFile(context.options.collectorPidFile, 64);
  if (!text) return 0;
  try {
    return std::stoi(text.value());
  } catch (const std::exception&) {
    return 0;  // being rewritten: try again at the next sample
  }
}

}  // namespace

asio::awaitable<void> sampleCollector(FleetContext& context) {
  int lastPid = 0;
  std::uint64_t lastTicks = 0;
  Clock::time_point lastAt;
  asio::steady_timer timer(context.executor);
  for (;;) {  // until the simulator stops its io_context
    const int pid = currentPid(context);
    if (pid > 0) {
      drivers::linux_os::LinuxProcessUsage source("/proc", std::to_string(pid));
      auto usage = source.sample();
      const auto now = Clock::now();
      if (usage) {
        std::uint64_t ticks = 0;
        for (const auto& thread : usage.value().threads) ticks += thread.cpuTicks;
        if (pid == lastPid && ticks >= lastTicks) {
          const double seconds = std::chrono::duration<double>(now - lastAt).count();
          CollectorSample sample;
          sample.cpuPercent = static_cast<double>(ticks - lastTicks) /
                              static_cast<double>(usage.value().ticksPerSecond) / seconds * 100.0;
          sample.rssKib = usage.value().residentKib;
          sample.threads = static_cast<int>(usage.value().threads.size());
          context.stats.collector.push_back(sample);
        }
        lastPid = pid;
        lastTicks = ticks;
        lastAt = now;
      }
    }
    timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace mamori::bench
