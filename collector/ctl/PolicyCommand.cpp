// mamorictl policy: validate a policy offline, push it to a group, show a group's policy, and
// show which policy every agent runs (docs/admin.md "Push a policy to a group").

#include <Poco/JSON/Array.h>

#include <cstdio>
#include <map>

#include "collector/ctl/Commands.h"
#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/JsonText.h"
#include "common/Utf8.h"
#include "policy/PolicyLoader.h"

namespace mamori::collector::ctl {

namespace {

constexpr const char* kPolicyUsage =
    "Usage: mamorictl policy validate FILE\n"
    "       mamorictl policy push FILE --group GROUP\n"
    "       mamorictl policy show --group GROUP\n"
    "       mamorictl policy status [--group GROUP]\n"
    "       mamorictl policy key [--output FILE]\n"
    "\n"
    "validate  checks FILE offline with the agent's own validator; prints every error as\n"
    "          FILE:POINTER: what was expected, what was found (no collector or token needed)\n"
    "push      validates FILE, then sends it to the collector, which signs it and serves it to every\n"
    "          agent of GROUP; its \"group\" must be GROUP and its \"version\" greater than the\n"
    "          group's current one\n"
    "show      prints the group's current policy document (version, sha256 and push time to stderr)\n"
    "status    one line per agent: group, the policy version it runs and since when, whether that\n"
    "          is its group's current policy, or the error it reported when it refused one\n"
    "key       prints the collector's policy public key (PEM), which verifies its policies and its\n"
    "          fingerprint and EDM set files\n";

constexpr const char* kPolicyExit =
    "Exit status:\n"
    "  0  ok\n"
    "  1  invalid policy or collector/network error\n"
    "  2  usage error\n";

// FILE:POINTER: message, one per line, the way compilers print errors. A policy is administrators'
// text, shared as files: its keys (in the pointers), its name and group are shown through visibleText.
void printErrors(const std::string& file, const std::vector<common::Error>& errors, bool more) {
  for (const auto& error : errors) {
    const std::string line = file + ":" + (error.where.empty() ? "/" : error.where) + ": " + error.message;
    std::fprintf(stderr, "%s\n", common::visibleText(line).c_str());
  }
  if (more) std::fprintf(stderr, "%s: more errors not shown; fix these first\n", common::visibleText(file).c_str());
}

int validate(const std::vector<std::string>& args) {
  if (args.size() != 2) return reportError(kExitUsage, "usage: mamorictl policy validate FILE");
  const std::string& file = args[1];
  const auto result = policy::loadPolicyFile(file);
  if (!result.ok()) {
    printErrors(file, result.errors, result.moreErrors);
    std::fprintf(stderr, "%s: invalid policy (%zu errors)\n", common::visibleText(file).c_str(), result.errors.size());
    return kExitFailure;
  }
  const auto& policy = *result.policy;
  std::printf("%s\n", common::visibleText(file + ": valid policy \"" + policy.name + "\" version " +
                                          std::to_string(policy.version) + " for group " +
                                          (policy.group.empty() ? "(none)" : policy.group))
                          .c_str());
  return kExitOk;
}

int push(const ConnectionOptions& connection, const std::vector<std::string>& args, const std::string& group) {
  if (group.empty() || args.size() != 2) {
    return reportError(kExitUsage, "usage: mamorictl policy push FILE --group GROUP");
  }
  const std::string& file = args[1];
  auto bytes = policy::readPolicyFile(file);
  if (!bytes) return reportError(kExitFailure, bytes.error().describe());
  // Checked here first so that an administrator sees the same errors offline and online.
  const auto local = policy::parsePolicy(bytes.value());
  if (!local.ok()) {
    printErrors(file, local.errors, local.moreErrors);
    return reportError(kExitFailure, file + ": invalid policy, nothing was pushed");
  }
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->send("POST", "/api/v1/policies?group=" + common::net::urlEncode(group), bytes.value());
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const auto& object = answer.value().object;
  if (answer.value().status != 200) {
    if (!object.isNull() && object->has("errors")) {
      const auto errors = object->getArray("errors");
      for (std::size_t i = 0; errors && i < errors->size(); ++i) {
        const auto error = errors->getObject(static_cast<unsigned>(i));
        std::fprintf(stderr, "%s:%s: %s\n", common::visibleText(file).c_str(), shownText(error, "where").c_str(),
                     shownText(error, "error").c_str());
      }
    }
    return reportError(kExitFailure, answer.value().describe());
  }
  std::printf("pushed \"%s\" version %s to group %s (sha256 %s, signed by key %s)\n", shownText(object, "name").c_str(),
              jsonText(object, "version").c_str(), jsonText(object, "group").c_str(),
              jsonText(object, "sha256").c_str(), jsonText(object, "key_id").c_str());
  std::printf("agents of the group apply it at their next poll; watch: mamorictl policy status --group %s\n",
              group.c_str());
  return kExitOk;
}

int show(const ConnectionOptions& connection, const std::vector<std::string>& args, const std::string& group) {
  if (group.empty() || args.size() != 1) return reportError(kExitUsage, "usage: mamorictl policy show --group GROUP");
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->send("GET", "/api/v1/policies?group=" + common::net::urlEncode(group), "");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  if (answer.value().status != 200) return reportError(kExitFailure, answer.value().describe());
  const auto& object = answer.value().object;
  std::fprintf(stderr, "group %s: \"%s\" version %s, sha256 %s, key %s, pushed %s\n",
               common::visibleText(group).c_str(), shownText(object, "name").c_str(),
               shownText(object, "version").c_str(), shownText(object, "sha256").c_str(),
               shownText(object, "key_id").c_str(), shownText(object, "pushed_at").c_str());
  // The document as pushed, but C1 controls and U+2028/U+2029 in it as \u escapes (the same JSON
  // values): a policy's name or a comment key must not act on the terminal.
  const std::string document = common::json::escapeLineControls(jsonText(object, "document"));
  std::fputs(document.c_str(), stdout);
  if (!document.empty() && document.back() != '\n') std::fputc('\n', stdout);
  return kExitOk;
}

int printKey(const ConnectionOptions& connection, const std::vector<std::string>& args, const std::string& group,
             const std::string& output) {
  if (!group.empty() || args.size() != 1) return reportError(kExitUsage, "usage: mamorictl policy key [--output FILE]");
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto answer = client.value()->getJson("/api/v1/policy-key");
  if (!answer) return reportError(kExitFailure, answer.error().describe());
  const std::string pem = jsonText(answer.value(), "public_key");
  if (pem.rfind("-----BEGIN PUBLIC KEY-----", 0) != 0)
    return reportError(kExitFailure, "the collector's answer holds no public key (PEM)");
  if (output.empty()) {
    std::fputs(pem.c_str(), stdout);
    return kExitOk;
  }
  if (auto written = common::writeFileAtomically(output, pem, 0644); !written)
    return reportError(kExitFailure, written.error().describe());
  std::printf("wrote %s (policy key %s)\n", common::visibleText(output).c_str(),
              jsonText(answer.value(), "key_id").c_str());
  return kExitOk;
}

int status(const ConnectionOptions& connection, const std::vector<std::string>& args, const std::string& onlyGroup) {
  if (args.size() != 1) return reportError(kExitUsage, "usage: mamorictl policy status [--group GROUP]");
  auto client = AdminClient::connect(connection);
  if (!client) return reportError(kExitUsage, client.error().describe());
  auto policies = client.value()->getJson("/api/v1/policies");
  if (!policies) return reportError(kExitFailure, policies.error().describe());
  std::map<std::string, std::string> current;  // group -> current version
  if (const auto list = policies.value()->getArray("policies")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto policy = list->getObject(static_cast<unsigned>(i));
      current[jsonText(policy, "group")] = jsonText(policy, "version");
    }
  }
  auto agents = client.value()->getJson("/api/v1/agents");
  if (!agents) return reportError(kExitFailure, agents.error().describe());
  const auto list = agents.value()->getArray("agents");
  if (list.isNull()) return reportError(kExitFailure, "the collector's answer has no \"agents\" list");
  std::vector<std::vector<std::string>> rows = {
      {"AGENT ID", "HOST", "GROUP", "APPLIED", "SOURCE", "SINCE", "STATE", "SHA256", "ERROR"}};
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto agent = list->getObject(static_cast<unsigned>(i));
    if (agent.isNull()) continue;
    const std::string group = jsonText(agent, "group");
    if (!onlyGroup.empty() && group != onlyGroup) continue;
    const auto policy = agent->getObject("policy");
    const std::string version = jsonText(policy, "version");
    const std::string error = jsonText(policy, "error");
    std::string state = "no report yet";
    if (!version.empty() && version != "0") {
      const auto it = current.find(group);
      if (it == current.end()) {
        state = "group has no policy";
      } else {
        state = it->second == version && jsonText(policy, "source") != "builtin" ? "current"
                                                                                 : "behind (" + it->second + ")";
      }
    }
    if (!error.empty()) state = "refused a policy";
    const std::string sha = jsonText(policy, "sha256");
    rows.push_back({jsonText(agent, "agent_id"), jsonText(agent, "host"), group, version == "0" ? "-" : version,
                    jsonText(policy, "source"), jsonText(policy, "applied_at"), state, sha.substr(0, 12), error});
  }
  std::fputs(formatTable(rows).c_str(), stdout);
  return kExitOk;
}

}  // namespace

bool policyCommandIsOffline(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") return true;
  }
  return args.empty() || args.front() == "validate";
}

int runPolicyCommand(const ConnectionOptions& connection, const std::vector<std::string>& args) {
  std::string group, output;
  std::vector<std::string> words;
  namespace opt = common::opt;
  common::CommandLine line;
  line
      .table({
          {"--group", "GROUP", opt::checked([&group](const std::string& value) -> common::Status {
             if (value.empty()) return common::makeError("expects a group name");
             group = value;
             return common::Ok{};
           }),
           "push, show: the group; status: only this group's agents"},
          {"--output", "FILE", opt::checked([&output](const std::string& value) -> common::Status {
             if (value.empty()) return common::makeError("expects a file name");
             output = value;
             return common::Ok{};
           }),
           "key: write the key to FILE instead (mamori-inspect's collector-key.pem:\nscripts/package-inspect.sh)"},
      })
      .positionals(words);
  if (auto done = common::parseOrExit(line, args, "mamorictl policy", commandHelp(kPolicyUsage, line, kPolicyExit))) {
    return *done;
  }
  if (words.empty()) {
    std::fputs(kPolicyUsage, stderr);
    return kExitUsage;
  }
  const std::string& sub = words.front();
  if (sub == "validate") {
    if (!group.empty()) return reportError(kExitUsage, "policy validate takes no --group (it checks a file offline)");
    return validate(words);
  }
  if (sub == "push") return push(connection, words, group);
  if (sub == "show") return show(connection, words, group);
  if (sub == "key") return printKey(connection, words, group, output);
  if (!output.empty()) return reportError(kExitUsage, "policy " + sub + " takes no --output (only policy key does)");
  if (sub == "status") return status(connection, words, group);
  return reportError(kExitUsage, "policy: unknown subcommand \"" + sub + "\" (validate, push, show, status, key)");
}

}  // namespace mamori::collector::ctl
