#pragma once
// Background scans must not slow the person using the PC: the calling thread gets the idle I/O
// class (served only when no one else uses the disk) and the SCHED_IDLE CPU policy.

#include "common/Result.h"

namespace mamori::scan {

// Applies to the calling thread only. An error says which of the two failed; the scan goes on.
common::Status makeCurrentThreadIdle();

}  // namespace mamori::scan
