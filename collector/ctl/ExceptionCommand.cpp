// mamorictl exception grant: turns a challenge code from a blocked device into a response code
// (policy/DeviceException.h), signed with the collector's policy key: by the collector
// (POST /api/v1/exceptions, admin token), or offline with --key-file on the collector host
// (<collector state>/policy-signing.key), so the key never travels.
#include <cstdio>
#include <string>
#include <vector>

#include "collector/ctl/Commands.h"
#include "common/KeyFiles.h"
#include "policy/DeviceException.h"

namespace mamori::collector::ctl {

namespace {
constexpr const char* kExceptionUsage =
    "usage: mamorictl exception grant --challenge CODE --minutes N [--key-file FILE]\n"
    "\n"
    "Prints the response code that allows the device behind CODE (from its device.blocked event or\n"
    "the user) on that one PC for N minutes (1..10080), counted from when the agent accepts it.\n"
    "  --challenge CODE  e.g. 3f2a91c0-46f40001-9b1c22de\n"
    "  --minutes N       how long\n"
    "  --key-file FILE   sign here with the collector's policy signing key\n"
    "                    (<collector state>/policy-signing.key) instead of asking the collector\n"
    "On the PC, the response goes into <agent state>/exceptions/ (any file name).\n";
}  // namespace

bool exceptionCommandIsOffline(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--key-file" || arg == "--help" || arg == "-h") return true;
  }
  return args.empty() || args.front() != "grant";
}

int runExceptionCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  if (args.empty() || args.front() != "grant") {
    std::fputs(kExceptionUsage, args.empty() ? stderr : stdout);
    return args.size() == 1 && (args.front() == "--help" || args.front() == "-h") ? kExitOk : kExitUsage;
  }
  std::string challenge;
  std::string minutesText;
  std::string keyFile;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kExceptionUsage, stdout);
      return kExitOk;
    }
    if (i + 1 >= args.size()) return reportError(kExitUsage, flag + ": expects a value (see --help)");
    const std::string& value = args[++i];
    if (flag == "--challenge") {
      challenge = value;
    } else if (flag == "--minutes") {
      minutesText = value;
    } else if (flag == "--key-file") {
      keyFile = value;
    } else {
      return reportError(kExitUsage, "unknown option \"" + flag + "\" (see mamorictl exception --help)");
    }
  }
  if (challenge.empty() || minutesText.empty()) {
    return reportError(kExitUsage, "exception grant needs --challenge and --minutes");
  }
  std::size_t used = 0;
  long long minutes = 0;
  try {
    minutes = std::stoll(minutesText, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != minutesText.size()) return reportError(kExitUsage, "--minutes: expects a whole number");
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
