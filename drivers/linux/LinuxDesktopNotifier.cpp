#include "drivers/linux/LinuxDesktopNotifier.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

#include "common/Log.h"
#include "common/Utf8.h"

namespace mamori::drivers {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

struct Session {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string runtimeDir;
};

// Users with a session bus socket that belongs to them.
std::vector<Session> sessions(const std::string& root) {
  std::vector<Session> found;
  std::unique_ptr<DIR, DirCloser> dir(::opendir(root.c_str()));
  if (!dir) return found;
  // readdir is safe on a stream no other thread uses, which this one is.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    const std::string name = entry->d_name;
    if (name.empty() || name.size() > 10 || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const uid_t uid = static_cast<uid_t>(std::stoul(name));
    if (uid == 0) continue;
    struct stat bus {};
    const std::string runtimeDir = root + "/" + name;
    if (::lstat((runtimeDir + "/bus").c_str(), &bus) != 0 || !S_ISSOCK(bus.st_mode) || bus.st_uid != uid) continue;
    gid_t gid = bus.st_gid;
    struct passwd entryPw {};
    struct passwd* pw = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwuid_r(uid, &entryPw, buffer.data(), buffer.size(), &pw) == 0 && pw != nullptr) gid = pw->pw_gid;
    found.push_back(Session{uid, gid, runtimeDir});
  }
  return found;
}

// Everything the grandchild needs, made before fork: after fork in a threaded process only system
// calls are safe (no allocation).
struct Launch {
  Session session;
  std::string bus;
  std::string runtime;
  std::vector<char*> argv;
  const char* env[5] = {};
};

// In the grandchild: become the user and run the program; never returns.
[[noreturn]] void runAs(const Launch& launch, const char* program) {
  ::close_range(3, ~0U, 0);
  const Session& session = launch.session;
  if (::setgroups(0, nullptr) != 0 || ::setresgid(session.gid, session.gid, session.gid) != 0 ||
      ::setresuid(session.uid, session.uid, session.uid) != 0) {
    ::_exit(126);
  }
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  ::alarm(15);  // a session bus that never answers must not keep it forever
  ::execve(program, launch.argv.data(), const_cast<char* const*>(launch.env));  // NOLINT: execve's signature
  ::_exit(127);
}

}  // namespace

std::string escapeNotificationMarkup(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

LinuxDesktopNotifier::LinuxDesktopNotifier(std::string userRuntimeRoot, std::string program)
    : root_(std::move(userRuntimeRoot)), program_(std::move(program)) {}

void LinuxDesktopNotifier::notify(const std::string& summary, const std::string& body) {
  // The body starts with a device's or program's name, which may start with '-' ("--urgency=low"):
  // after "--" notify-send takes summary and body as text, never as options.
  std::vector<std::string> args = {program_,
                                   "--app-name=mamori",
                                   "--urgency=normal",
                                   "--icon=dialog-warning",
                                   "--expire-time=15000",
                                   "--",
                                   common::visibleText(summary),
                                   escapeNotificationMarkup(common::visibleText(body))};
  for (const auto& session : sessions(root_)) {
    Launch launch;
    launch.session = session;
    launch.bus = "DBUS_SESSION_BUS_ADDRESS=unix:path=" + session.runtimeDir + "/bus";
    launch.runtime = "XDG_RUNTIME_DIR=" + session.runtimeDir;
    for (auto& arg : args) launch.argv.push_back(arg.data());
    launch.argv.push_back(nullptr);
    launch.env[0] = launch.bus.c_str();
    launch.env[1] = launch.runtime.c_str();
    launch.env[2] = "PATH=/usr/bin:/bin";
    launch.env[3] = "LANG=C.UTF-8";
    // Two forks: the middle process exits at once and is reaped here, so the agent never waits for
    // the notification and leaves no zombie; the program's parent becomes init.
    const pid_t middle = ::fork();
    if (middle < 0) {
      common::log::warning("desktop notification: fork failed");
      return;
    }
    if (middle == 0) {
      const pid_t runner = ::fork();
      if (runner == 0) runAs(launch, program_.c_str());
      ::_exit(runner < 0 ? 1 : 0);
    }
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace mamori::drivers
