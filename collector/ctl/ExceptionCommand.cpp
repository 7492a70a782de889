// mamorictl exception grant: turns a challenge code from a blocked device into a response code
// (policy/DeviceException.h), signed with the collector's policy key: by the collector
// (POST /api/v1/exceptions, admin token), or offline with --key-file on the collector host
// (<collector state>/policy-signing.key), so the key never travels.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "collector/ctl/Commands.h"
#include "common/CommandLine.h"
#include "common/KeyFiles.h"
#include "policy/DeviceException.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kExceptionUsage =
    "Usage: mamorictl exception grant --challenge CODE --minutes N [--key-file FILE]\n"
    "\n"
    "Prints the response code that allows the device behind CODE (from its device.blocked event or\n"
    "the user) on that one PC for N minutes, counted from when the agent accepts it.\n"
    "On the PC, the response goes into <agent state>/exceptions/ (any file name).\n";

constexpr const char* kExceptionExit =
    "Exit status:\n"
    "  0  ok\n"
    "  1  collector or network error\n"
    "  2  usage error (or the collector refused the code)\n";

// The arguments of `exception grant`, by the grammar every mamorictl command shares.
struct GrantArgs {
  std::vector<std::string> words;  // "grant"
  std::string challenge;
  std::int64_t minutes = 0;
  std::string keyFile;
};

common::CommandLine grantLine(GrantArgs& out) {
  namespace opt = common::opt;
  common::CommandLine line;
  line
      .table({
          {"--challenge", "CODE", opt::text(out.challenge), "e.g. 3f2a91c0-46f40001-9b1c22de"},
          {"--minutes", "N", opt::integer(1, policy::kMaxExceptionMinutes, out.minutes),
           "how long, 1 to " + std::to_string(policy::kMaxExceptionMinutes)},
          {"--key-file", "FILE", opt::text(out.keyFile),
           "sign here with the collector's policy signing key (<collector\nstate>/policy-signing.key) instead of "
           "asking the collector"},
      })
      .positionals(out.words);
  return line;
}

}  // namespace

bool exceptionCommandIsOffline(const std::vector<std::string>& args) {
  GrantArgs parsed;
  bool help = false;
  // Help, a usage error and signing with the key file need no collector (and no admin token).
  if (!grantLine(parsed).parse(args, help) || help || !parsed.keyFile.empty()) return true;
  return parsed.words != std::vector<std::string>{"grant"};
}

int runExceptionCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  GrantArgs parsed;
  const common::CommandLine line = grantLine(parsed);
  const std::string usage = commandHelp(kExceptionUsage, line, kExceptionExit);
  if (auto done = common::parseOrExit(line, args, "mamorictl exception", usage)) return *done;
  if (parsed.words.empty()) {
    std::fputs(usage.c_str(), stderr);
    return kExitUsage;
  }
  if (parsed.words.front() != "grant") {
    return reportError(kExitUsage, "exception: unknown word \"" + parsed.words.front() + "\" (grant)");
  }
  if (parsed.words.size() != 1) return reportError(kExitUsage, "exception grant: takes no other word (see --help)");
  if (parsed.challenge.empty() || parsed.minutes == 0) {
    return reportError(kExitUsage, "exception grant: --challenge CODE and --minutes N are required");
  }
  const std::string& challenge = parsed.challenge;
  const std::int64_t minutes = parsed.minutes;
  const std::string& keyFile = parsed.keyFile;
  if (keyFile.empty()) {
    auto client = AdminClient::connect(connection);
    if (!client) return reportError(kExitFailure, client.error().describe());
    const std::string body = "{\"challenge\":\"" + (policy::isExceptionChallenge(challenge) ? challenge : "") +
                             "\",\"minutes\":" + std::to_string(minutes) + "}";
    auto answer = client.value()->send("POST", "/api/v1/exceptions", body);
    if (!answer) return reportError(kExitFailure, answer.error().describe());
    if (answer.value().status != 200 || answer.value().object.isNull()) {
      return reportError(answer.value().status >= 400 && answer.value().status < 500 ? kExitUsage : kExitFailure,
                         answer.value().describe());
    }
    std::printf("%s\n", answer.value().object->optValue<std::string>("response", "").c_str());
    return kExitOk;
  }
  auto key = common::loadPrivateKey(keyFile);
  if (!key) return reportError(kExitUsage, "--key-file: " + key.error().describe());
  auto response = policy::signExceptionResponse(key.value(), challenge, minutes);
  if (!response) return reportError(kExitUsage, response.error().describe());
  std::printf("%s\n", response.value().c_str());
  return kExitOk;
}

}  // namespace mamori::collector::ctl
