#include "inspect/InspectOptions.h"

#include <cstddef>

#include "common/CommandLine.h"

namespace mamori::inspect {

std::string usage() {
  return R"(Usage: mamori-inspect [OPTIONS]                 inspect this PC (dry run unless --apply)
       mamori-inspect keygen [--dir DIR]           make the report signing key (inspect.key/.pub)
       mamori-inspect verify [--pub FILE] REPORT... check a report (.json or .html) is unchanged
       mamori-inspect unquarantine ARCHIVE --to DIR [--passphrase-file FILE]

Looks for company files (the content scanner with the policy's rules and detectors), installed and
running P2P software (by name, SHA-256 and YARA rule, so renamed copies are found), P2P clients'
folders and the folders they download into or share. A company file inside such a folder is the most
severe finding. Writes a signed JSON report, a self-contained HTML page and a plan template into
--out. Nothing is changed unless --apply is given and the owner agrees (prompts or --plan).

Inspect options:
  --home DIR              a home folder to inspect (repeatable; default: $HOME, or as root every
                          folder under /home and /root)
  --no-system-programs    do not look in /usr/bin, /usr/local/bin, /usr/games, /usr/sbin, /opt
  --proc-root DIR         where running processes are read (default /proc)
  --no-processes          do not look at running processes
  --policy FILE           policy (default: policy.json beside mamori-inspect, else built-in)
  --key FILE              report signing key (default: inspect.key beside mamori-inspect)
  --unsigned              write an unsigned report when there is no key (verify will refuse it)
  --out DIR               where reports and the quarantine archive go (default: .)
  --threads N             content scanner threads, 1..32 (default: the policy's)
  --apply                 carry out decisions: asked per finding on the terminal, then one final
                          "yes"; or taken from --plan
  --plan FILE             decisions file: lines "delete|quarantine|keep FINDING-ID" (# comments);
                          the dry run writes a template beside the report
  --passphrase-file FILE  the quarantine archive's passphrase (else $MAMORI_INSPECT_PASSPHRASE,
                          else asked on the terminal)
  -h, --help              this text

Ctrl-C stops the inspection cleanly and writes a partial report.

Exit codes (inspect): 0 nothing found, 1 findings, 2 error (or interrupted before anything was found)
Exit codes (verify):  0 every report is intact and signed by the trusted key, 1 a report was changed
                      or signed by another key, 2 error (unreadable, no public key)
Exit codes (keygen, unquarantine): 0 done, 2 error
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
  line.flag("--no-system-programs", [&o] { o.systemPrograms = false; })
      .text("--proc-root", o.procRoot)
      .flag("--no-processes", [&o] { o.procRoot.clear(); })
      .text("--policy", o.policyFile)
      .text("--key", o.keyFile)
      .flag("--unsigned", o.unsignedReport)
      .text("--out", o.outDir)
      .flag("--apply", o.apply)
      .text("--plan", o.planFile)
      .text("--passphrase-file", o.passphraseFile)
      .integer("--threads", 1, 32, o.threads);
  switch (o.command) {
    case Command::kInspect: line.texts("--home", o.homes); break;
    case Command::kKeygen: line.text("--dir", o.keyDir); break;
    case Command::kVerify:
      line.text("--pub", o.publicKeyFile).positional([&o](const std::string& report) -> common::Status {
        o.reports.push_back(report);
        return common::Ok{};
      });
      break;
    case Command::kUnquarantine:
      line.text("--to", o.extractTo).positional([&o](const std::string& archive) -> common::Status {
        if (!o.archive.empty()) return common::makeError("unexpected argument (one ARCHIVE)");
        o.archive = archive;
        return common::Ok{};
      });
      break;
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
