#include "drivers/linux/LinuxProcessUsage.h"

#include <malloc.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <filesystem>

#include "common/Files.h"
#include "drivers/linux/ProcParsers.h"

namespace mamori::drivers::linux_os {

LinuxProcessUsage::LinuxProcessUsage(std::string procRoot, std::string self)
    : base_(std::move(procRoot) + "/" + std::move(self)), ticksPerSecond_(::sysconf(_SC_CLK_TCK)) {
  if (ticksPerSecond_ <= 0) ticksPerSecond_ = 100;
}

std::size_t LinuxProcessUsage::releaseFreedMemory() {
#ifdef __GLIBC__
  // Below this, trimming saves less than it costs to fault the pages back in when work resumes.
  constexpr std::size_t kWorthReleasing = 1 << 20;
  const struct mallinfo2 info = ::mallinfo2();
  // The allocator still counts released pages as free: trim again only when the free memory changed
  // by as much since the last time (work happened), so an idle agent does not trim at all.
  const std::size_t change = info.fordblks > trimmedFree_ ? info.fordblks - trimmedFree_ : trimmedFree_ - info.fordblks;
  if (info.fordblks < kWorthReleasing || change < kWorthReleasing) return 0;
  ::malloc_trim(0);
  trimmedFree_ = info.fordblks;
  return info.fordblks;
#else
  return 0;
#endif
}

common::Result<ProcessUsage> LinuxProcessUsage::sample() {
  ProcessUsage usage;
  usage.ticksPerSecond = ticksPerSecond_;
  const std::string taskDir = base_ + "/task";
  std::error_code error;
  std::filesystem::directory_iterator it(taskDir, error);
  if (error) return common::makeError("cannot list threads", taskDir, error.value());
  for (const auto& entry : it) {
    const std::string tidText = entry.path().filename().string();
    ThreadUsage thread;
    const auto [end, ec] = std::from_chars(tidText.data(), tidText.data() + tidText.size(), thread.tid);
    if (ec != std::errc() || end != tidText.data() + tidText.size()) continue;
    // A thread may end between the listing and the read: skip it, it no longer uses anything.
    auto text = common::readSmallFile(entry.path().string() + "/stat", 4096);
    if (!text) continue;
    auto stat = parseProcStat(text.value());
    if (!stat) return common::makeError(stat.error().message, entry.path().string() + "/stat");
    thread.name = stat.value().comm;
    thread.cpuTicks = stat.value().userTicks + stat.value().systemTicks;
    usage.threads.push_back(std::move(thread));
  }
  auto status = common::readSmallFile(base_ + "/status", std::size_t{64} * 1024);
  if (!status) return status.error();
  auto rss = parseProcStatusResidentKib(status.value());
  if (!rss) return common::makeError(rss.error().message, base_ + "/status");
  usage.residentKib = rss.value();
  return usage;
}

}  // namespace mamori::drivers::linux_os
