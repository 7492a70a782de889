#include "agent/p2p/WineProgram.h"

#include <cctype>
#include <filesystem>
#include <initializer_list>
#include <sys/stat.h>

namespace mamori::agent::p2p {

namespace {

std::string_view baseName(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Wine's `start` by its Windows or Unix file name (start, start.exe, C:\windows\command\start.exe).
bool isWineStart(std::string_view argument) {
  const auto separator = argument.find_last_of("/\\");
  const std::string name = lowered(separator == std::string_view::npos ? argument : argument.substr(separator + 1));
  return name == "start" || name == "start.exe";
}

// The program start runs: the argument after "/unix" or "/exec" (a Unix path starts with '/' too),
// else the first one after its options ("/wait", "/min" ...; "/d", "/node", "/affinity", "/machine"
// and "/progidopen" take a value). start itself when it names none.
std::string startedBy(const std::vector<std::string>& argv, std::size_t start) {
  std::size_t i = start + 1;
  while (i < argv.size() && (argv[i].empty() || argv[i].starts_with('/'))) {
    const std::string option = lowered(argv[i]);
    if ((option == "/unix" || option == "/exec") && i + 1 < argv.size()) return argv[i + 1];
    const bool takesValue =
        option == "/d" || option == "/node" || option == "/affinity" || option == "/machine" || option == "/progidopen";
    i += takesValue ? 2 : 1;
  }
  return i < argv.size() ? argv[i] : argv[start];
}

bool isRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A file of folder named like name without regard to case (Wine's lookup on a case-sensitive file
// system), or empty.
std::string findIgnoringCase(const std::string& folder, std::string_view name) {
  const std::string wanted = lowered(name);
  std::error_code error;
  std::filesystem::directory_iterator it(folder, error);
  // Bounded: a folder the size of system32 (about 700 names) is listed in well under a millisecond.
  for (int seen = 0; !error && it != std::filesystem::directory_iterator() && seen < 20'000;
       it.increment(error), ++seen) {
    const std::string candidate = it->path().filename().string();
    if (lowered(candidate) == wanted && isRegularFile(it->path().string())) return it->path().string();
  }
  return {};
}

}  // namespace

bool isWineLoader(std::string_view path) {
  const std::string_view name = baseName(path);
  for (std::string_view loader : {"wine", "wine64"}) {
    if (name == loader) return true;
    if (!name.starts_with(loader) || name.size() <= loader.size() || name[loader.size()] != '-') continue;
    const std::string_view tail = name.substr(loader.size() + 1);
    if (tail == "preloader" || tail == "stable" || tail == "development" || tail == "staging") return true;
  }
  return false;
}

std::string wineProgramArgument(std::string_view exePath, const std::vector<std::string>& argv) {
  if (argv.empty()) return {};
  std::size_t i = 0;
  if (isWineLoader(argv[0])) {
    i = 1;
    while (i < argv.size() && isWineLoader(argv[i])) ++i;  // the preloader's argv names the loader next
    if (i >= argv.size() || argv[i].empty() || argv[i].starts_with("--")) return {};  // --version, --help
  } else if (!isWineLoader(exePath)) {
    return {};
  }
  return isWineStart(argv[i]) ? startedBy(argv, i) : argv[i];
}

std::string wineProgramPath(std::string_view argument, std::string_view cwd, std::string_view prefix) {
  if (argument.empty()) return {};
  for (std::string_view longPrefix : {"\\\\?\\", "\\??\\"}) {
    if (argument.starts_with(longPrefix)) argument.remove_prefix(longPrefix.size());
  }
  const bool drive = argument.size() >= 3 && std::isalpha(static_cast<unsigned char>(argument[0])) != 0 &&
                     argument[1] == ':' && (argument[2] == '\\' || argument[2] == '/');
  std::string out;
  if (drive) {
    if (prefix.empty()) return {};
    out = std::string(prefix) + "/dosdevices/" +
          static_cast<char>(std::tolower(static_cast<unsigned char>(argument[0]))) + ":";
    argument.remove_prefix(2);
  } else if (!argument.starts_with('/')) {
    if (cwd.empty() || argument.find('\\') != std::string_view::npos) return {};  // a Windows-relative name
    out = std::string(cwd) + "/";
    while (argument.starts_with("./")) argument.remove_prefix(2);
  }
  for (const char c : argument) out.push_back(c == '\\' && drive ? '/' : c);
  return out;
}

std::vector<std::string> wineSearchPath(std::string_view name, std::string_view cwd, std::string_view prefix) {
  if (name.empty() || name.find_first_of("/\\") != std::string_view::npos || name.find(':') != std::string_view::npos)
    return {};
  const std::string file = std::string(name) + (name.find('.') == std::string_view::npos ? ".exe" : "");
  std::vector<std::string> out;
  const std::string windows = prefix.empty() ? std::string() : std::string(prefix) + "/dosdevices/c:/windows";
  if (!windows.empty()) out.push_back(windows + "/system32/" + file);
  if (!cwd.empty()) out.push_back(std::string(cwd) + (cwd.ends_with('/') ? "" : "/") + file);
  if (!windows.empty()) {
    out.push_back(windows + "/system/" + file);
    out.push_back(windows + "/" + file);
  }
  return out;
}

std::string findOnWineSearchPath(std::string_view name, std::string_view cwd, std::string_view prefix) {
  const auto candidates = wineSearchPath(name, cwd, prefix);
  for (const auto& candidate : candidates) {
    if (isRegularFile(candidate)) return candidate;
  }
  for (const auto& candidate : candidates) {
    const auto slash = candidate.rfind('/');
    if (auto found = findIgnoringCase(candidate.substr(0, slash), candidate.substr(slash + 1)); !found.empty())
      return found;
  }
  return {};
}

std::string wineProgramOf(const drivers::ProcessSource& processes, const drivers::ProcessInfo& process) {
  const std::string argument = wineProgramArgument(process.exePath, process.argv);
  if (argument.empty()) return {};
  std::string prefix;
  if (auto value = processes.environmentVariable(process.pid, "WINEPREFIX"); value && !value.value().empty()) {
    prefix = value.value();
  } else if (auto home = processes.environmentVariable(process.pid, "HOME"); home && !home.value().empty()) {
    prefix = home.value() + "/.wine";
  }
  auto cwd = processes.workingDirectory(process.pid);
  const std::string folder = cwd ? cwd.value() : std::string();
  if (auto found = findOnWineSearchPath(argument, folder, prefix); !found.empty()) return found;
  return wineProgramPath(argument, folder, prefix);
}

void addWineProgram(const drivers::ProcessSource& processes, const drivers::ProcessInfo& process,
                    policy::ProcessFacts& facts) {
  std::string program = wineProgramOf(processes, process);
  if (program.empty()) return;
  facts.scriptPath = std::move(program);
  facts.wineProgram = true;
}

}  // namespace mamori::agent::p2p
