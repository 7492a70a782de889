#pragma once
// Who is at the other end of a connected unix socket: the kernel's SO_PEERCRED (the peer's uid at
// connect time, which it cannot forge) and that uid's account name from the password database.

#include <string>

#include "common/Result.h"

namespace mamori::drivers::linux_os {

// The peer's account name ("yamada"), or "uid 1001" when the uid has no entry.
common::Result<std::string> peerUserName(int fd);

}  // namespace mamori::drivers::linux_os
