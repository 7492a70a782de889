#pragma once
// What the agent remembers of temporary exceptions across a restart (a reboot, an update, the
// watchdog): the challenges it offered, the grants in force and the requests sent to the collector.
// Without it an employee who asked, then restarted the PC, would hold an approval that opens nothing,
// and a device approved for two hours would close at the next boot. The formats are pure (text in,
// values out); the files live in the agent's state folder (root, 0600), written atomically.

#include <string>
#include <string_view>
#include <vector>

#include "agent/device/DeviceExceptions.h"
#include "common/Result.h"

namespace mamori::agent::device {

using ExceptionSnapshot = DeviceExceptions::Remembered;

// A request sent to the collector and not answered yet (agent/device/ExceptionRequests).
struct PendingRequest {
  std::string id;  // the collector's request id
  std::string challenge;
  std::string deviceId;  // the kernel name it had when asked
  std::string deviceName;
  std::string user;
  std::string channel = "usb";  // absent in files written before channels were remembered: usb
  bool operator==(const PendingRequest&) const = default;
};

std::string exceptionStateJson(const ExceptionSnapshot& snapshot);
// Every field checked (types, hex ids, sizes); an error names the first bad place.
common::Result<ExceptionSnapshot> parseExceptionState(std::string_view text);

std::string pendingRequestsJson(const std::vector<PendingRequest>& pending);
common::Result<std::vector<PendingRequest>> parsePendingRequests(std::string_view text);

// Reads a state file: an empty value when it does not exist yet; an error when it cannot be read or
// parsed (the caller starts empty and says so: the file is the agent's own, so damage is a crash
// mid-write on a file system without rename atomicity, or a person's edit).
common::Result<ExceptionSnapshot> loadExceptionState(const std::string& path);
common::Result<std::vector<PendingRequest>> loadPendingRequests(const std::string& path);

// After a load failed: logs "<consequence>: <error>" as a warning and moves the file to
// PATH.damaged, kept for a look, so the next write starts a fresh one.
void setAsideDamaged(const std::string& path, const std::string& consequence, const common::Error& error);

}  // namespace mamori::agent::device
