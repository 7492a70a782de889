#include "drivers/linux/PeerCredentials.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <sys/socket.h>
#include <vector>

namespace mamori::drivers::linux_os {

common::Result<std::string> peerUserName(int fd) {
  struct ucred credentials {};
  socklen_t size = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    return common::makeError("cannot read the peer's credentials", "SO_PEERCRED", errno);
  }
  std::vector<char> buffer(16384);
  struct passwd entry {};
  struct passwd* found = nullptr;
  const int failed = ::getpwuid_r(credentials.uid, &entry, buffer.data(), buffer.size(), &found);
  if (failed != 0 || found == nullptr || found->pw_name == nullptr) return "uid " + std::to_string(credentials.uid);
  return std::string(found->pw_name);
}

}  // namespace mamori::drivers::linux_os
