#include "drivers/linux/LinuxSystemInfo.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <sys/utsname.h>

namespace mamori::drivers::linux_os {

namespace {
std::string unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}
}  // namespace

std::string parseOsReleasePrettyName(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::string name;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) return unquote(line.substr(12));
    if (line.rfind("NAME=", 0) == 0) name = unquote(line.substr(5));
  }
  return name;
}

MachineFacts LinuxSystemInfo::machineFacts() const {
  MachineFacts facts;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0) facts.hostName = host.data();
  utsname uts{};
  if (uname(&uts) == 0) facts.kernel = uts.release;
  std::ifstream release(etcRoot_ + "/os-release");
  if (release) {
    std::stringstream text;
    text << release.rdbuf();
    facts.osName = parseOsReleasePrettyName(text.str());
  }
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* result = nullptr;
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr) {
    facts.userName = pw.pw_name;
  } else {
    facts.userName = "uid " + std::to_string(geteuid());
  }
  return facts;
}

}  // namespace mamori::drivers::linux_os
