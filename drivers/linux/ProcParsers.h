#pragma once
// Pure parsers of the /proc/PID files the process driver reads. Text in, facts or an error out:
// tested over recorded files (tests/fixtures/proc) and fuzzed (tests/fuzz/fuzz_proc.cpp). A process
// can put anything into its comm (even ") " and newlines) and argv, so nothing here trusts them.

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "common/Result.h"
#include "drivers/include/Process.h"

namespace mamori::drivers::linux_os {

struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  std::uint64_t flags = 0;
  std::uint64_t userTicks = 0;                                      // field 14 (utime), clock ticks
  std::uint64_t systemTicks = 0;                                    // field 15 (stime), clock ticks
  std::uint64_t startTime = 0;                                      // field 22, clock ticks since boot
  std::uint64_t virtualBytes = 0;                                   // field 23 (vsize); 0 when the line ends before
  bool kernelThread() const { return (flags & 0x00200000U) != 0; }  // PF_KTHREAD
};

// /proc/PID/stat: "pid (comm) state ppid ...". comm is found by the LAST ')' because comm may hold one.
common::Result<ProcStat> parseProcStat(std::string_view text);

// The real uid from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs").
common::Result<uid_t> parseProcStatusUid(std::string_view text);

// The resident set size from /proc/PID/status ("VmRSS:\t  1234 kB"), in KiB.
common::Result<std::int64_t> parseProcStatusResidentKib(std::string_view text);

// /proc/PID/cmdline: NUL-separated arguments. A trailing NUL ends the last one; a process that
// rewrote its command line with spaces instead (some daemons do) gives one argument.
std::vector<std::string> parseCmdline(std::string_view bytes);

// The file-backed executable mappings of /proc/PID/maps, each path once, in order of first
// appearance. Lines that do not parse are skipped (the kernel's format is fixed; a truncated
// last line is not).
std::vector<ExecutableMapping> parseProcMaps(std::string_view text);

// The cgroup v2 path from /proc/PID/cgroup (its "0::PATH" line); an error without one (cgroup v1 only).
common::Result<std::string> parseProcCgroupV2(std::string_view text);

}  // namespace mamori::drivers::linux_os
