#include "agent/p2p/WineProgram.h"

#include <cctype>

namespace mamori::agent::p2p {

namespace {

std::string_view baseName(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
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
  if (!isWineLoader(argv[0])) return isWineLoader(exePath) ? argv[0] : std::string();
  std::size_t i = 1;
  while (i < argv.size() && isWineLoader(argv[i])) ++i;  // the preloader's argv names the loader next
  if (i >= argv.size() || argv[i].empty() || argv[i].starts_with("--")) return {};  // --version, --help
  return argv[i];
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
  return wineProgramPath(argument, cwd ? cwd.value() : std::string(), prefix);
}

void addWineProgram(const drivers::ProcessSource& processes, const drivers::ProcessInfo& process,
                    policy::ProcessFacts& facts) {
  std::string program = wineProgramOf(processes, process);
  if (program.empty()) return;
  facts.scriptPath = std::move(program);
  facts.wineProgram = true;
}

}  // namespace mamori::agent::p2p
