#include "drivers/linux/SdNotify.h"

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/UniqueFd.h"

namespace mamori::drivers::linux_os {

common::Status sdNotify(const std::string& socketPath, std::string_view message) {
  if (socketPath.empty()) return common::Ok{};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socketPath.size() >= sizeof(address.sun_path)) {
    return common::makeError("socket path is too long", "NOTIFY_SOCKET " + socketPath);
  }
  if (socketPath[0] != '/' && socketPath[0] != '@') {
    return common::makeError("expects an absolute path or @abstract name", "NOTIFY_SOCKET " + socketPath);
  }
  std::memcpy(address.sun_path, socketPath.data(), socketPath.size());
  // Abstract names start with a NUL byte on the wire; '@' is how systemd writes them.
  if (socketPath[0] == '@') address.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socketPath.size());
  common::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return common::makeError("cannot create a datagram socket", "sd_notify", errno);
  const ssize_t sent = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  if (sent < 0) return common::makeError("cannot send to " + socketPath, "sd_notify", errno);
  if (static_cast<std::size_t>(sent) != message.size()) {
    return common::makeError("datagram truncated", "sd_notify " + socketPath);
  }
  return common::Ok{};
}

std::string notifySocketFromEnvironment() {
  // Read at start on the main thread; nothing sets the environment later.
  const char* value = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe)
  return value != nullptr ? std::string(value) : std::string();
}

long long watchdogIntervalMsFromEnvironment() {
  const char* usec = std::getenv("WATCHDOG_USEC");  // NOLINT(concurrency-mt-unsafe)
  if (usec == nullptr) return 0;
  // WATCHDOG_PID names the process meant; another one (a child we started) must not ping.
  const char* pid = std::getenv("WATCHDOG_PID");  // NOLINT(concurrency-mt-unsafe)
  if (pid != nullptr && std::atoll(pid) != ::getpid()) return 0;
  const long long value = std::atoll(usec);
  return value > 0 ? value / 1000 : 0;
}

}  // namespace mamori::drivers::linux_os
