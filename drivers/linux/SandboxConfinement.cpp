#include "drivers/linux/SandboxConfinement.h"

#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <memory>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

namespace mamori::drivers {

namespace {

struct SeccompDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using SeccompFilter = std::unique_ptr<void, SeccompDeleter>;

common::Status setLimit(int resource, rlim_t value, const char* name) {
  const rlimit limit{value, value};
  if (::setrlimit(resource, &limit) != 0) return common::makeError(std::string("cannot set ") + name, {}, errno);
  return common::Ok{};
}

// Root whose bounding set lacks CAP_SETUID/CAP_SETGID cannot change user (the agent's unit has both
// since desktop notices): it keeps uid 0 with no capability at all (effective, permitted and
// inheritable emptied).
common::Status dropAllCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capset, &header, data.data()) != 0) return common::makeError("capset failed", {}, errno);
  return common::Ok{};
}

common::Status dropToUser(const std::string& user) {
  if (::geteuid() != 0) return common::Ok{};  // nothing to give up: already unprivileged
  // getpwnam_r reads /etc/passwd (and maybe NSS modules): only possible before the filter.
  passwd entry{};
  passwd* found = nullptr;
  std::string buffer(16384, '\0');
  if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
    return common::makeError(common::ErrorKind::kNotFound, "no such user for the extraction sandbox", user);
  if (found->pw_uid == 0)
    return common::makeError(common::ErrorKind::kDenied, "the sandbox user must not be root", user);
  if (::setgroups(0, nullptr) != 0) {
    if (errno == EPERM) return dropAllCapabilities();
    return common::makeError("setgroups failed", user, errno);
  }
  if (::setresgid(found->pw_gid, found->pw_gid, found->pw_gid) != 0)
    return common::makeError("setresgid failed", user, errno);
  if (::setresuid(found->pw_uid, found->pw_uid, found->pw_uid) != 0)
    return common::makeError("setresuid failed", user, errno);
  // Proof that root cannot be taken back.
  if (::setuid(0) == 0) return common::makeError(common::ErrorKind::kDenied, "root could be regained", user);
  return common::Ok{};
}

common::Status installFilter(int channelFd) {
  SeccompFilter filter(seccomp_init(SCMP_ACT_KILL_PROCESS));
  // Under a systemd unit's SystemCallFilter the seccomp() call itself is refused, so libseccomp cannot
  // ask whether KILL_PROCESS exists and loads through prctl: kill the thread instead, which for this
  // single-threaded worker ends the process by SIGSYS just the same.
  if (!filter) filter.reset(seccomp_init(SCMP_ACT_KILL));
  if (!filter) return common::makeError("seccomp_init failed");
  scmp_filter_ctx ctx = filter.get();
  auto allow = [&](int syscall) { return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, syscall, 0); };
  int rc = 0;
  // Descriptors the worker already holds: its channel and the documents that come through it.
  for (const int call : {SCMP_SYS(read), SCMP_SYS(pread64), SCMP_SYS(readv), SCMP_SYS(write), SCMP_SYS(writev),
                         SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(close), SCMP_SYS(lseek),
                         // memory
                         SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
                         // threads' plumbing in the C library, time, signals and leaving
                         SCMP_SYS(futex), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(gettimeofday),
                         SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(getpid), SCMP_SYS(gettid),
                         SCMP_SYS(exit), SCMP_SYS(exit_group)}) {
    rc |= allow(call);
  }
  // abort() (a failed assertion) raises SIGABRT on itself: allowed only towards its own process.
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                         SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())));
  // Memory may be mapped and protected, never made executable.
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  if (rc != 0) return common::makeError("cannot build the seccomp filter");
  (void)channelFd;
  if (const int loaded = seccomp_load(ctx); loaded != 0)
    return common::makeError(common::ErrorKind::kUnavailable, "cannot load the seccomp filter", {}, -loaded);
  return common::Ok{};
}

}  // namespace

common::Status confineCurrentProcess(const SandboxConfinement& confinement) {
  // Nothing the parent left open by mistake stays reachable.
  if (::syscall(SYS_close_range, static_cast<unsigned>(confinement.channelFd) + 1, ~0U, 0) != 0)
    return common::makeError("close_range failed", {}, errno);
  if (auto dropped = dropToUser(confinement.user); !dropped) return dropped;
  // After the drop: a change of credentials clears the parent-death signal. A parent that is gone
  // ends the worker even while it parses.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return common::makeError("PR_SET_PDEATHSIG failed", {}, errno);
  if (::prctl(PR_SET_DUMPABLE, 0) != 0) return common::makeError("PR_SET_DUMPABLE failed", {}, errno);
  // A core file would hold the document's text; the worker writes no files at all.
  if (auto s = setLimit(RLIMIT_CORE, 0, "RLIMIT_CORE"); !s) return s;
  if (auto s = setLimit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE"); !s) return s;
  if (auto s = setLimit(RLIMIT_NOFILE, static_cast<rlim_t>(confinement.openFiles), "RLIMIT_NOFILE"); !s) return s;
  if (confinement.addressSpaceBytes > 0) {
    if (auto s = setLimit(RLIMIT_AS, static_cast<rlim_t>(confinement.addressSpaceBytes), "RLIMIT_AS"); !s) return s;
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return common::makeError("PR_SET_NO_NEW_PRIVS failed", {}, errno);
  return installFilter(confinement.channelFd);
}

}  // namespace mamori::drivers
