#pragma once
// mamori-inspect's command line (see usage()).

#include <cstdint>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::inspect {

enum class Command { kInspect, kKeygen, kVerify, kUnquarantine };

struct InspectOptions {
  Command command = Command::kInspect;
  bool help = false;
  // inspect
  std::vector<std::string> homes;  // empty: $HOME, or every home under /home and /root when root
  bool systemPrograms = true;
  std::string procRoot = "/proc";  // "" with --no-processes
  std::string policyFile;          // "": policy.json beside the tool, else the built-in policy
  std::string keyFile;             // "": inspect.key beside the tool
  bool unsignedReport = false;
  std::string outDir = ".";
  bool apply = false;
  std::string planFile;
  std::string passphraseFile;
  std::int64_t threads = 0;
  // keygen
  std::string keyDir;  // "": the tool's folder
  // verify
  std::string publicKeyFile;  // "": inspect.pub beside the tool
  std::vector<std::string> reports;
  // unquarantine
  std::string archive;
  std::string extractTo;
};

common::Result<InspectOptions> parseInspectOptions(const std::vector<std::string>& args);
std::string usage();

}  // namespace mamori::inspect
