#include "agent/app/ScanCommand.h"

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/KeyFiles.h"
#include "common/Log.h"
#include "drivers/linux/LinuxSandbox.h"
#include "policy/DefaultPolicy.h"
#include "policy/PolicyLoader.h"
#include "policy/YaraCompiler.h"
#include "scan/CompiledRulesCache.h"
#include "scan/ContentScanner.h"
#include "scan/ResultFormat.h"

namespace mamori::agent {

namespace {

// The built-in policy's content_scan.exclude (policy/DefaultPolicy.cpp), for --rules without --policy
// and for the look at the first files before any policy is read.
const std::vector<std::string>& builtinExcludes() {
  static const std::vector<std::string> excludes{"*/.cache/*", "*/.local/share/Trash/*"};
  return excludes;
}

common::Result<scan::ScanConfig> configFrom(const ScanOptions& options) {
  std::shared_ptr<drivers::SandboxLauncher> sandbox;
  if (!options.noSandbox) {
    sandbox = drivers::makeExtractionLauncher();
    // When every file will be read (no cache to answer) and the first ones include a document, a light
    // worker starts now, beside the policy's loading and the rule compilation below, for the first scan
    // thread that meets a document; the others start theirs when they do, as before (docs/decisions/0062,
    // second addendum). A tree without documents starts none. Not for --idle or --cpu-limit: those scans
    // are not in a hurry, and a worker inherits the priority of the thread that starts it (the scan
    // threads make themselves idle; the launcher's own thread is not).
    const bool cacheAnswers =
        !options.stateDir.empty() && ::access((options.stateDir + "/scan-cache.bin").c_str(), F_OK) == 0;
    if (!cacheAnswers && !options.idle && !options.cpuLimit &&
        scan::ContentScanner::firstFilesNeedExtraction(options.paths, builtinExcludes()))
      sandbox->prestart(1);
  }
  // With a state directory, compiled rules are kept there (scan/CompiledRulesCache): an unchanged
  // tree is scanned again without compiling the policy's or --rules' YARA again.
  std::optional<scan::CompiledRulesCache> rulesCache;
  std::optional<policy::ScopedYaraCompiler> policyCompiler;
  if (!options.stateDir.empty()) {
    rulesCache.emplace(options.stateDir);
    policyCompiler.emplace([&rulesCache](std::string_view source, const std::string& pointer) {
      return rulesCache->compile("policy" + pointer, source).outcome;
    });
  }
  policy::ContentScanSettings settings;
  if (options.policyFile.empty() && !options.rulesFile.empty()) {
    // Only the rules are replaced: keep the built-in policy's settings without compiling its rules.
    settings.exclude = builtinExcludes();
  } else if (options.policyFile.empty()) {
    settings = policy::builtinPolicy().contentScan;
  } else {
    auto loaded = policy::loadPolicyFile(options.policyFile);
    if (!loaded.ok()) {
      // One line (printError shows a line break in a message as a marker): the errors joined by "; ".
      std::string message = "the policy does not validate:";
      for (const auto& error : loaded.errors)
        message += (&error == &loaded.errors.front() ? " " : "; ") + error.describe();
      if (loaded.moreErrors) message += "; more errors not shown";
      return common::makeError(message, options.policyFile);
    }
    settings = loaded.policy->contentScan;
  }
  if (!options.rulesFile.empty()) {
    auto source = policy::readPolicyFile(options.rulesFile, 16U << 20U);
    if (!source) return source.error();
    auto compiled = rulesCache ? rulesCache->compile(options.rulesFile, source.value()).outcome
                               : policy::compileYara(source.value());
    if (!compiled.rules) {
      std::string message = "the rules do not compile:";
      for (const auto& d : compiled.errors)
        message += (&d == &compiled.errors.front() ? " line " : "; line ") + std::to_string(d.line) + ": " + d.message;
      return common::makeError(message, options.rulesFile);
    }
    std::string name = options.rulesFile.substr(options.rulesFile.find_last_of('/') + 1);
    if (const auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) name.resize(dot);
    settings.ruleSets = {{name, source.value(), compiled.rules}};
  }
  auto config = scan::ScanConfig::fromPolicy(settings);
  if (options.threads) config.threads = *options.threads;
  config.idlePriority = options.idle;
  config.stateDir = options.stateDir;
  config.sandbox = std::move(sandbox);
  if (options.extractTimeout) config.extractTimeoutSeconds = static_cast<int>(*options.extractTimeout);
  if (!options.fingerprintFiles.empty() || !options.edmFiles.empty()) {
    if (options.collectorKeyFile.empty())
      return common::makeError(
          "--fingerprints and --edm need --collector-key FILE (the collector's policy public key, "
          "policy-key.pem in the agent's state directory)");
    auto pinned = common::loadPublicKey(options.collectorKeyFile);
    if (!pinned) return pinned.error();
    for (const auto& file : options.fingerprintFiles) {
      auto bytes = scan::readSetFile(file);
      if (!bytes) return bytes.error();
      auto opened = scan::openFingerprintBundle(bytes.value(), pinned.value());
      if (!opened) {
        auto error = opened.error();
        error.message = "fingerprint set refused: " + error.message + " (at " + error.where + ")";
        error.where = file;
        return error;
      }
      opened.value().thresholds = {static_cast<double>(options.minContainmentPercent) / 100.0, options.minChars, 3};
      config.fingerprintSets.push_back(std::move(opened).value());
    }
    for (const auto& file : options.edmFiles) {
      auto bytes = scan::readSetFile(file);
      if (!bytes) return bytes.error();
      auto opened = scan::openEdmBundle(bytes.value(), pinned.value());
      if (!opened) {
        auto error = opened.error();
        error.message = "exact-data-match set refused: " + error.message + " (at " + error.where + ")";
        error.where = file;
        return error;
      }
      opened.value().minRows = options.minRows;
      config.edmSets.push_back(std::move(opened).value());
    }
  }
  return config;
}

}  // namespace

std::string scanUsage(const std::string& program) {
  return "Usage: " + program + R"( [OPTIONS] PATH...

Scans files and directory trees for company documents and personal data, the way the agent's
scheduled scans do: Office (docx/xlsx/pptx and the binary doc/xls/ppt) with the objects and files
embedded in them, Outlook .msg and e-mail (.eml, mbox, winmail.dat) with their attachments,
OpenDocument, PDF text and attached files, RTF, and archives (zip incl. zip64, 7z, RAR, tar, cpio,
ISO 9660, LZH, gzip/bzip2/xz/zstd) are opened (nested, within the policy's archive
limits), Shift_JIS/CP932, EUC-JP, ISO-2022-JP and UTF-16 text is decoded
to UTF-8, and the policy's YARA rule sets and detectors (credit_card, my_number) run on everything.
Symbolic links are not followed. Prints each file that matched or could not be fully inspected.

Options:
  --rules FILE.yar   use these YARA rules instead of the policy's rule sets
  --policy FILE      take rule sets, detectors, excludes and limits from this policy (JSON);
                     default: the built-in policy
  --json             one JSON object per line: {"path","sha256","size","cached","matches":[{"type",
                     "name","count","container_path"}],"not_inspected":[{"container_path","reason"}]},
                     then a {"summary":{...}} line
  --threads N        scanner threads, 1..32 (default: the policy's content_scan.threads)
  --state-dir DIR    keep the incremental cache in DIR/scan-cache.bin and the compiled rules in
                     DIR/rules-*.yarc: unchanged files are not read again, unchanged rules not
                     compiled again (default: no cache)
  --idle             idle I/O and CPU priority, as the agent's background scans
  --cpu-limit P      pace the scan as the agent does under agent_limits.cpu_percent P (1..100):
                     this process stays near 80% of P percent of one core (default: full speed)
  --extract-timeout S  seconds the extraction sandbox may spend on one file before it is stopped and
                     the file reported as not inspected, "extractor timed out" (1..3600, default 30)
  --fingerprints FILE  also recognise the documents of this fingerprint set (repeatable; written by
                     `mamorictl fingerprints export`); a file that contains enough of one is reported
                     as a "fingerprint" match named SET:DOCUMENT_ID, its count the share of the
                     document found, in percent
  --edm FILE         also recognise rows of this exact-data-match set (repeatable; written by
                     `mamorictl edm export`); a file holding values of enough columns of one row
                     close together is reported as an "edm" match named SET:TYPES (the column
                     types found), its count the number of rows
  --min-rows N       report an exact-data-match set when at least N of its rows are in the file
                     (1..1000000, default 1)
  --collector-key FILE  the collector's policy public key that signed the sets (the agent's
                     policy-key.pem); a set it did not sign is refused
  --min-containment P  report a document when at least P percent of it is in the file (1..100,
                     default 50)
  --min-chars N      or when the file shares a run of N normalised characters with it (default 300)
  --no-sandbox       extract in this process instead of the mamori-extract sandbox workers
                     (faster to start, but a parser bug then runs with this process's rights)
  -h, --help         show this help

Exit status:
  0  nothing matched (files not inspected, if any, are still listed)
  1  at least one rule, detector, fingerprint or exact-data-match set matched
  2  error: bad usage, a policy that does not validate, rules that do not compile, a fingerprint
     or exact-data-match set that is not signed by the collector key or is damaged
)";
}

common::Result<ScanOptions> parseScanOptions(const std::vector<std::string>& args) {
  ScanOptions o;
  common::CommandLine line;
  line.flag("--json", o.json)
      .flag("--idle", o.idle)
      .flag("--no-sandbox", o.noSandbox)
      .text("--rules", o.rulesFile)
      .text("--policy", o.policyFile)
      .text("--state-dir", o.stateDir)
      .text("--collector-key", o.collectorKeyFile)
      .texts("--fingerprints", o.fingerprintFiles)
      .texts("--edm", o.edmFiles)
      .declare("--threads", common::opt::integer(1, 32, o.threads))
      .declare("--cpu-limit", common::opt::integer(1, 100, o.cpuLimit))
      .declare("--extract-timeout", common::opt::integer(1, 3600, o.extractTimeout))
      .integer("--min-containment", 1, 100, o.minContainmentPercent)
      .integer("--min-chars", 1, 1'000'000, o.minChars)
      .integer("--min-rows", 1, 1'000'000, o.minRows)
      .positionals(o.paths);
  if (auto parsed = line.parse(args, o.help); !parsed) return parsed.error();
  if (!o.help && o.paths.empty()) return common::makeError("no PATH to scan");
  return o;
}

int runScanCommand(const std::string& program, const std::vector<std::string>& args) {
  common::log::setProgramName(program);
  auto options = parseScanOptions(args);
  if (!options) return common::usageError(program, options.error().describe());
  if (options.value().help) {
    std::cout << scanUsage(program);
    return kScanExitClean;
  }
  // A PATH that does not exist is a typo, not a finding: refuse before scanning anything.
  for (const auto& path : options.value().paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      common::printError(program, common::makeError("cannot scan", path, errno).describe());
      return kScanExitError;
    }
  }
  auto config = configFrom(options.value());
  if (!config) {
    common::printError(program, config.error().describe());
    return kScanExitError;
  }
  scan::ContentScanner scanner(config.value());
  if (options.value().cpuLimit) scanner.setCpuBudget(std::make_shared<scan::CpuBudget>(*options.value().cpuLimit));
  const bool json = options.value().json;
  auto summary = scanner.run(options.value().paths, [json](const scan::FileResult& result) {
    // The sink is called one result at a time: lines never interleave.
    if (json) {
      std::cout << scan::resultJson(result) << '\n';
    } else {
      std::cout << scan::resultText(result);
    }
    std::cout.flush();
  });
  if (!summary) {
    common::printError(program, summary.error().describe());
    return kScanExitError;
  }
  const auto& s = summary.value();
  if (json) {
    std::cout << scan::summaryJson(s) << '\n';
  } else {
    std::cerr << "scanned " << s.files << " files (" << s.filesRead << " read, " << s.cacheHits << " unchanged), "
              << s.filesWithHits << " with matches, " << s.notInspected << " not fully inspected\n";
  }
  return s.filesWithHits > 0 ? kScanExitMatches : kScanExitClean;
}

}  // namespace mamori::agent
