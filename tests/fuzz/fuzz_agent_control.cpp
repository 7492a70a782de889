// The agent's local inputs (agent/guard): /etc/mamori/agent.conf, control-socket request and answer
// lines, the employees' request line, the token hash file. Root writes them, but a damaged file must give an error,
// never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/guard/ConfigFile.h"
#include "agent/guard/ControlProtocol.h"
#include "agent/guard/TokenCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  using namespace mamori::agent::guard;
  if (auto args = configFileArguments(text, "agent.conf")) {
    for (const auto& arg : args.value()) MAMORI_ASSERT(arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos);
  }
  if (auto request = parseControlRequest(text)) {
    // What the agent parses, the client can write back identically.
    std::string line = formatControlRequest(request.value());
    line.pop_back();
    auto again = parseControlRequest(line);
    MAMORI_ASSERT(again.ok() && again.value().argument == request.value().argument);
  }
  if (auto ask = parseRequestArgument(text)) {
    // An employee's request line (the request socket is open to every local account).
    MAMORI_ASSERT(requestAskProblem(ask.value()).empty());
    auto again = parseRequestArgument(formatRequestArgument(ask.value()));
    MAMORI_ASSERT(again.ok() && again.value().reason == ask.value().reason &&
                  again.value().minutes == ask.value().minutes && again.value().deviceId == ask.value().deviceId);
  }
  if (auto answer = parseControlAnswer(text)) MAMORI_ASSERT(formatControlAnswer(answer.value()).back() == '\n');
  if (auto digest = parseTokenHash(text, "hash")) {
    MAMORI_ASSERT(digest.value().size() == 64);
    (void)tokenMatches(text, digest.value());
  }
  return 0;
}
