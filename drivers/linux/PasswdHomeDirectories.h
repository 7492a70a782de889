#pragma once
// Home directories from the account database through NSS (getpwent: /etc/passwd, and LDAP or SSSD
// accounts where the PC is set up for them): users with uid 1000 and above, not nobody (65534).

#include "drivers/include/HomeDirectories.h"

namespace mamori::drivers::linux_os {

class PasswdHomeDirectories final : public HomeDirectories {
 public:
  // Uses the non-reentrant getpwent: one thread at a time (the agent's main thread).
  std::vector<std::string> list() const override;
};

}  // namespace mamori::drivers::linux_os
