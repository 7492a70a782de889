#include "drivers/linux/ProcFs.h"

#include <dirent.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <unordered_map>

#include "common/Files.h"
#include "drivers/linux/ProcParsers.h"

namespace mamori::drivers::linux_os {

namespace {

constexpr std::size_t kMaxCmdline = std::size_t{256} * 1024U;
constexpr std::size_t kMaxMaps = std::size_t{8} * 1024U * 1024U;

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

std::string readLink(const std::string& path) {
  std::array<char, 4096> buffer{};
  const ssize_t n = ::readlink(path.c_str(), buffer.data(), buffer.size() - 1);
  if (n <= 0) return {};
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

}  // namespace

std::string lookUpUserName(uid_t uid);

std::uint64_t ticksSinceBoot() {
  timespec now{};
  ::clock_gettime(CLOCK_BOOTTIME, &now);
  const auto ticks = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
  return static_cast<std::uint64_t>(now.tv_sec) * ticks +
         static_cast<std::uint64_t>(now.tv_nsec) * ticks / 1'000'000'000U;
}

std::uint64_t monotonicNs() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(now.tv_nsec);
}

std::string userName(uid_t uid) {
  // The passwd database is read once per uid: every exec asks, and NSS lookups are not cheap.
  static std::mutex mutex;
  static std::unordered_map<uid_t, std::string> names;
  {
    const std::lock_guard lock(mutex);
    if (const auto it = names.find(uid); it != names.end()) return it->second;
  }
  std::string name = lookUpUserName(uid);
  const std::lock_guard lock(mutex);
  if (names.size() > 4096) names.clear();
  names.emplace(uid, name);
  return name;
}

std::string lookUpUserName(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  std::array<char, 4096> buffer{};
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

std::string ProcFs::exeLink(pid_t pid) const { return root_ + "/" + std::to_string(pid) + "/exe"; }

common::Result<ProcessInfo> ProcFs::brief(pid_t pid) const {
  const std::string path = root_ + "/" + std::to_string(pid) + "/stat";
  auto statText = common::readSmallFile(path);
  if (!statText) return statText.error();
  auto stat = parseProcStat(statText.value());
  if (!stat) return common::makeError(stat.error().message, path);
  ProcessInfo info;
  info.pid = pid;
  info.ppid = stat.value().ppid;
  info.comm = stat.value().comm;
  info.startTime = stat.value().startTime;
  info.kernelThread = stat.value().kernelThread();
  info.virtualBytes = stat.value().virtualBytes;
  return info;
}

common::Result<ProcessInfo> ProcFs::read(pid_t pid) const {
  const std::string dir = root_ + "/" + std::to_string(pid);
  auto brief = this->brief(pid);
  if (!brief) return brief.error();
  ProcessInfo info = std::move(brief).value();
  if (auto status = common::readSmallFile(dir + "/status"); status) {
    if (auto uid = parseProcStatusUid(status.value()); uid) info.uid = uid.value();
  }
  info.user = userName(info.uid);
  if (info.kernelThread) return info;
  if (auto cmdline = common::readSmallFile(dir + "/cmdline", kMaxCmdline); cmdline) {
    info.argv = parseCmdline(cmdline.value());
  }
  // The link names the path at exec time (" (deleted)" when it is gone); stat follows it to the file.
  info.exePath = readLink(dir + "/exe");
  if (const std::string deleted = " (deleted)";
      info.exePath.size() > deleted.size() && info.exePath.ends_with(deleted)) {
    info.exePath.resize(info.exePath.size() - deleted.size());
  }
  struct stat st {};
  if (!info.exePath.empty() && ::stat((dir + "/exe").c_str(), &st) == 0) {
    info.exe = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                static_cast<std::int64_t>(st.st_size),
                static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  if (auto maps = common::readSmallFile(dir + "/maps", kMaxMaps); maps) info.mappings = parseProcMaps(maps.value());
  return info;
}

common::Result<std::string> ProcFs::workingDirectory(pid_t pid) const {
  const std::string link = root_ + "/" + std::to_string(pid) + "/cwd";
  std::string path = readLink(link);
  if (path.empty()) return common::makeError("cannot read the working directory", link, errno);
  return path;
}

common::Result<std::string> ProcFs::environmentVariable(pid_t pid, std::string_view name) const {
  const std::string file = root_ + "/" + std::to_string(pid) + "/environ";
  auto environ = common::readSmallFile(file, kMaxCmdline);
  if (!environ) return environ.error();
  for (const auto& entry : parseCmdline(environ.value())) {  // NUL-separated like cmdline
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=')
      return entry.substr(name.size() + 1);
  }
  return common::makeError(common::ErrorKind::kNotFound, "no such environment variable",
                           file + " " + std::string(name));
}

std::vector<pid_t> ProcFs::pids() const {
  std::vector<pid_t> out;
  const std::unique_ptr<DIR, DirCloser> dir(::opendir(root_.c_str()));
  if (!dir) return out;
  // readdir is safe on a stream no other thread uses, which this one is.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name = entry->d_name;
    pid_t pid = 0;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec == std::errc() && ptr == name.data() + name.size() && pid > 0) out.push_back(pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

common::Result<pid_t> ProcFs::parent(pid_t pid) const {
  auto info = brief(pid);
  if (!info) return info.error();
  return info.value().ppid;
}

std::vector<pid_t> ProcFs::children(pid_t pid) const {
  std::vector<pid_t> out;
  const std::string taskDir = root_ + "/" + std::to_string(pid) + "/task";
  const std::unique_ptr<DIR, DirCloser> dir(::opendir(taskDir.c_str()));
  if (!dir) return out;
  // readdir is safe on a stream no other thread uses, which this one is.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    if (entry->d_name[0] == '.') continue;
    auto text = common::readSmallFile(taskDir + "/" + entry->d_name + "/children");
    if (!text) continue;
    std::string_view rest = text.value();
    while (!rest.empty()) {
      const auto space = rest.find(' ');
      const std::string_view word = rest.substr(0, space);
      pid_t child = 0;
      const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), child);
      if (ec == std::errc() && ptr == word.data() + word.size() && child > 0) out.push_back(child);
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  return out;
}

common::Result<std::uint64_t> ProcFs::pidNamespace(pid_t pid) const {
  const std::string path = root_ + "/" + std::to_string(pid) + "/ns/pid";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return common::makeError("cannot stat", path, errno);
  return static_cast<std::uint64_t>(st.st_ino);
}

common::Result<std::string> ProcFs::cgroup(pid_t pid) const {
  const std::string path = root_ + "/" + std::to_string(pid) + "/cgroup";
  auto text = common::readSmallFile(path);
  if (!text) return text.error();
  return parseProcCgroupV2(text.value());
}

std::vector<ProcessInfo> ProcFs::snapshot() const {
  std::vector<ProcessInfo> out;
  for (const pid_t pid : pids()) {
    if (auto info = read(pid); info) out.push_back(std::move(info).value());
  }
  return out;
}

}  // namespace mamori::drivers::linux_os
