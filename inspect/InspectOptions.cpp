#include "inspect/InspectOptions.h"

#include <cstddef>
#include <iterator>
#include <vector>

#include "common/CommandLine.h"

namespace mamori::inspect {

namespace {

// The options of a command, their readers and their help: one table for the parser and --help. The
// first row is the command's own; the others every command accepts.
std::vector<common::OptionRow> optionTable(InspectOptions& o) {
  namespace opt = common::opt;
  std::vector<common::OptionRow> rows;
  switch (o.command) {
    case Command::kInspect:
      rows.push_back({"--home", "DIR", opt::texts(o.homes),
                      "a home folder to inspect (repeatable; default: $HOME, or as root every\nfolder under /home "
                      "and /root)"});
      break;
    case Command::kKeygen:
      rows.push_back({"--dir", "DIR", opt::text(o.keyDir), "where inspect.key and inspect.pub go"});
      break;
    case Command::kVerify:
      rows.push_back({"--pub", "FILE", opt::text(o.publicKeyFile), "the trusted public key"});
      break;
    case Command::kUnquarantine:
      rows.push_back({"--to", "DIR", opt::text(o.extractTo), "where the archive's files go"});
      break;
  }
  std::vector<common::OptionRow> every = {
      {"--no-system-programs", "", opt::flag([&o] { o.systemPrograms = false; }),
       "do not look in /usr/bin, /usr/local/bin, /usr/games, /usr/sbin, /opt"},
      {"--proc-root", "DIR", opt::text(o.procRoot), "where running processes are read (default /proc)"},
      {"--no-processes", "", opt::flag([&o] { o.procRoot.clear(); }), "do not look at running processes"},
      {"--policy", "FILE", opt::text(o.policyFile),
       "policy (default: policy.json beside mamori-inspect, else built-in)"},
      {"--key", "FILE", opt::text(o.keyFile), "report signing key (default: inspect.key beside mamori-inspect)"},
      {"--unsigned", "", opt::flag(o.unsignedReport),
       "write an unsigned report when there is no key (verify will refuse it)"},
      {"--out", "DIR", opt::text(o.outDir), "where reports and the quarantine archive go (default: .)"},
      {"--threads", "N", opt::integer(1, 32, o.threads), "content scanner threads, 1..32 (default: the policy's)"},
      {"--apply", "", opt::flag(o.apply),
       "carry out decisions: asked per finding on the terminal, then one final\n\"yes\"; or taken from --plan"},
      {"--plan", "FILE", opt::text(o.planFile),
       "decisions file: lines \"delete|quarantine|keep FINDING-ID\" (# comments);\nthe dry run writes a template "
       "beside the report"},
      {"--passphrase-file", "FILE", opt::text(o.passphraseFile),
       "the quarantine archive's passphrase (else $MAMORI_INSPECT_PASSPHRASE,\nelse asked on the terminal)"},
  };
  rows.insert(rows.end(), std::make_move_iterator(every.begin()), std::make_move_iterator(every.end()));
  return rows;
}

}  // namespace

std::string usage() {
  InspectOptions unused;
  common::CommandLine line;
  line.table(optionTable(unused));
  return R"(Usage: mamori-inspect [OPTIONS]                 inspect this PC (dry run unless --apply)
       mamori-inspect keygen [--dir DIR]           make the report signing key (inspect.key/.pub)
       mamori-inspect verify [--pub FILE] REPORT... check a report (.json or .html) is unchanged
       mamori-inspect unquarantine ARCHIVE --to DIR [--passphrase-file FILE]

Looks for company files (the content scanner with the policy's rules and detectors), installed and
running P2P software (by name, SHA-256 and YARA rule, so renamed copies are found), P2P clients'
folders and the folders they download into or share. A company file inside such a folder is the most
severe finding. Writes a signed JSON report, a self-contained HTML page and a plan template into
--out. Nothing is changed unless --apply is given and the owner agrees (prompts or --plan).

Options:
)" + line.help(26) +
         R"(
Ctrl-C stops the inspection cleanly and writes a partial report.

Exit status:
  0  inspect: nothing found; verify: every report is intact and signed by the trusted key;
     keygen, unquarantine: done
  1  inspect: findings; verify: a report was changed or signed by another key
  2  error: usage, unreadable or missing files or keys (inspect: also interrupted before anything
     was found)
)";
}

common::Result<InspectOptions> parseInspectOptions(const std::vector<std::string>& args) {
  InspectOptions o;
  std::size_t i = 0;
  if (!args.empty()) {
    if (args[0] == "keygen")
      o.command = Command::kKeygen;
    else if (args[0] == "verify")
      o.command = Command::kVerify;
    else if (args[0] == "unquarantine")
      o.command = Command::kUnquarantine;
    if (o.command != Command::kInspect) i = 1;
  }
  common::CommandLine line;
  line.table(optionTable(o));
  switch (o.command) {
    case Command::kVerify: line.positionals(o.reports); break;
    case Command::kUnquarantine:
      line.positional([&o](const std::string& archive) -> common::Status {
        if (!o.archive.empty()) return common::makeError("unexpected argument (one ARCHIVE)");
        o.archive = archive;
        return common::Ok{};
      });
      break;
    default: break;
  }
  if (auto parsed = line.parse({args.begin() + static_cast<std::ptrdiff_t>(i), args.end()}, o.help); !parsed) {
    return parsed.error();
  }
  if (o.help) return o;
  if (o.command == Command::kVerify && o.reports.empty()) return common::makeError("verify needs a REPORT file");
  if (o.command == Command::kUnquarantine && (o.archive.empty() || o.extractTo.empty()))
    return common::makeError("unquarantine needs ARCHIVE and --to DIR");
  if (!o.planFile.empty() && !o.apply) return common::makeError("--plan only makes sense with --apply", "--plan");
  return o;
}

}  // namespace mamori::inspect
