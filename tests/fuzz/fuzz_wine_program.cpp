// Which Windows program a Wine process runs is read from its argv, which any user in the scope writes:
// whatever the arguments, the answers are one of them (or empty) and paths built from it, never a
// crash. Input: arguments separated by NUL bytes, the first one standing for the executable's path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/p2p/WineProgram.h"
#include "common/Result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  std::vector<std::string> parts;
  while (!bytes.empty() && parts.size() < 64) {
    const std::size_t end = bytes.find('\0');
    parts.emplace_back(bytes.substr(0, end));
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
  }
  if (parts.empty()) return 0;
  namespace p2p = mamori::agent::p2p;
  const std::string exePath = parts.front();
  const std::vector<std::string> argv(parts.begin() + 1, parts.end());
  (void)p2p::isWineLoader(exePath);
  const std::string argument = p2p::wineProgramArgument(exePath, argv);
  bool fromArgv = argument.empty();
  for (const auto& arg : argv) fromArgv = fromArgv || arg == argument;
  MAMORI_ASSERT(fromArgv);
  for (const std::string_view cwd : {std::string_view("/home/taro"), std::string_view()}) {
    for (const std::string_view prefix : {std::string_view("/home/taro/.wine"), std::string_view()}) {
      const std::string path = p2p::wineProgramPath(argument, cwd, prefix);
      MAMORI_ASSERT(path.empty() || path.size() <= argument.size() + cwd.size() + prefix.size() + 16);
      for (const auto& candidate : p2p::wineSearchPath(argument, cwd, prefix)) {
        MAMORI_ASSERT(candidate.size() <= argument.size() + cwd.size() + prefix.size() + 40);
      }
    }
  }
  return 0;
}
