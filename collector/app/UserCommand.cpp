#include "collector/app/UserCommand.h"

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "collector/console/PasswordHash.h"
#include "collector/console/Sessions.h"
#include "collector/store/EventStore.h"
#include "common/Clock.h"
#include "common/CommandLine.h"

namespace mamori::collector::app {

const char* const kUserUsage =
    "Usage: mamori-collector user add NAME --role administrator|viewer [--state-dir DIR] [--db URL]\n"
    "       mamori-collector user passwd NAME [--state-dir DIR] [--db URL]\n"
    "       mamori-collector user remove NAME [--state-dir DIR] [--db URL]\n"
    "       mamori-collector user list [--state-dir DIR] [--db URL]\n"
    "\n"
    "Manages the web console's accounts in the collector's database (the same --db as the collector;\n"
    "default sqlite:<state-dir>/collector.db, state dir /var/lib/mamori-collector). Works while the\n"
    "collector runs. add and passwd read the password from standard input: asked twice without echo\n"
    "on a terminal, else the first line (at least 10 characters). passwd and remove end the user's\n"
    "sessions. Roles: administrator (also \"admin\") may change policies and grant exceptions;\n"
    "viewer may only read. Each add, passwd and remove is recorded in the audit trail with the local\n"
    "account that ran it (mamorictl audit).\n"
    "\n"
    "Exit status:\n"
    "  0  done\n"
    "  1  runtime error (database)\n"
    "  2  usage error or unacceptable password\n"
    "  3  the user exists (add) or does not exist (passwd, remove)\n";

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUser = 3;

constexpr const char* kCommand = "mamori-collector user";

int usageError(const std::string& message) { return common::usageError(kCommand, message); }

// "mamori-collector: user: <message>" on stderr.
void say(const std::string& message) { common::printError(kCommand, message); }

// Echo off while the password is typed; restored on every path.
class NoEcho {
 public:
  NoEcho() {
    if (::tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  ~NoEcho() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

bool readPassword(std::istream& in, std::string& password) {
  const bool terminal = &in == &std::cin && ::isatty(STDIN_FILENO) == 1;
  if (!terminal) return static_cast<bool>(std::getline(in, password));
  std::string again;
  {
    NoEcho quiet;
    std::fputs("password: ", stderr);
    if (!std::getline(in, password)) return false;
    std::fputs("\nagain: ", stderr);
    if (!std::getline(in, again)) return false;
    std::fputs("\n", stderr);
  }
  if (password != again) {
    say("the two passwords differ");
    password.clear();
    return false;
  }
  return true;
}

// Who ran the command, for the audit trail: the account, and who called sudo when someone did.
std::string localActor() {
  passwd entry{};
  passwd* account = nullptr;
  std::vector<char> buffer(std::size_t{16} * 1024);
  const bool named =
      ::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &account) == 0 && account != nullptr;
  std::string actor = "local:" + (named ? std::string(account->pw_name) : "uid " + std::to_string(::getuid()));
  // NOLINTNEXTLINE(concurrency-mt-unsafe): a one-shot command, no other thread touches the environment
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') {
    actor += " (sudo by " + std::string(sudo) + ")";
  }
  return actor;
}

// One audit record per change attempted (docs/admin.md "The audit trail"): ok, or refused with why.
void recordChange(store::EventStore& store, const std::string& action, const std::string& name,
                  const std::string& after, const std::string& refusal) {
  audit::AuditEntry entry;
  entry.timeMs = common::SystemClock().nowMs();
  entry.actor = localActor();
  entry.address = "local";
  entry.action = "user." + action;
  entry.target = "user:" + name;
  entry.after = after;
  entry.result = refusal.empty() ? "ok" : "refused";
  entry.detail = refusal;
  if (auto appended = store.appendAudit(entry); !appended) {
    say("warning: done, but not recorded in the audit trail: " + appended.error().describe());
  }
}

}  // namespace

int runUserCommand(const std::vector<std::string>& args, std::istream& in) {
  std::string role, stateDir = "/var/lib/mamori-collector", db;
  std::vector<std::string> words;  // the action, then the user's name
  common::CommandLine line;
  line.text("--role", role).text("--state-dir", stateDir).text("--db", db).positionals(words);
  if (auto done = common::parseOrExit(line, args, kCommand, kUserUsage)) return *done;
  if (words.empty()) return usageError("expected add, passwd, remove or list");
  const std::string action = words[0];
  if (action != "add" && action != "passwd" && action != "remove" && action != "list") {
    return usageError("unknown action \"" + action + "\" (expected add, passwd, remove or list)");
  }
  const std::size_t wanted = action == "list" ? 1 : 2;
  if (words.size() > wanted) return usageError("unexpected argument \"" + words[wanted] + "\"");
  const std::string name = words.size() > 1 ? words[1] : "";
  if (action != "list" && !console::isValidUserName(name)) {
    return usageError("expected a user name of 1 to 64 letters, digits, '.', '_', '-' or '@'");
  }
  if (action == "add") {
    role = console::canonicalRole(role);
    if (role.empty()) return usageError("add needs --role administrator or --role viewer");
  } else if (!role.empty()) {
    return usageError("--role is only for add");
  }
  if (db.empty()) db = "sqlite:" + stateDir + "/collector.db";

  std::string hash;
  if (action == "add" || action == "passwd") {
    std::string password;
    if (!readPassword(in, password)) return usageError("no password on standard input");
    if (const auto problem = console::passwordProblem(password); !problem.empty()) return usageError(problem);
    auto hashed = console::hashPassword(password);
    if (!hashed) {
      say(hashed.error().describe());
      return kExitRuntime;
    }
    hash = hashed.value();
  }

  auto store = store::openEventStore(db);
  if (!store) {
    say(store.error().describe());
    return kExitRuntime;
  }
  auto failed = [](const common::Error& error) {
    say(error.describe());
    return kExitRuntime;
  };
  if (action == "list") {
    auto users = store.value()->listConsoleUsers();
    if (!users) return failed(users.error());
    for (const auto& user : users.value()) {
      std::printf("%s\t%s\t%s\n", user.name.c_str(), user.role.c_str(), common::formatUtcMs(user.createdMs).c_str());
    }
    return kExitOk;
  }
  if (action == "add") {
    auto added = store.value()->addConsoleUser({name, role, hash, common::SystemClock().nowMs()});
    if (!added) return failed(added.error());
    recordChange(*store.value(), action, name, added.value() ? "role " + role : "",
                 added.value() ? "" : "the user exists");
    if (!added.value()) {
      say("user " + name + " exists (use passwd to change its password)");
      return kExitUser;
    }
    std::printf("added console user %s (%s)\n", name.c_str(), role.c_str());
    return kExitOk;
  }
  auto done =
      action == "passwd" ? store.value()->setConsolePassword(name, hash) : store.value()->removeConsoleUser(name);
  if (!done) return failed(done.error());
  recordChange(*store.value(), action, name, "", done.value() ? "" : "no such user");
  if (!done.value()) {
    say("no user " + name);
    return kExitUser;
  }
  std::printf("%s console user %s\n", action == "passwd" ? "changed the password of" : "removed", name.c_str());
  return kExitOk;
}

}  // namespace mamori::collector::app
