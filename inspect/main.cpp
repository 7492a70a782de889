// mamori-inspect: the portable inspection tool staff run on an employee's own PC (docs/inspect.md).

#include <dirent.h>
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <sys/utsname.h>

#include "common/CommandLine.h"
#include "common/Files.h"
#include "common/JsonParser.h"
#include "common/JsonText.h"
#include "common/KeyFiles.h"
#include "common/Log.h"
#include "common/ReportHtml.h"
#include "common/ReportSigning.h"
#include "common/Utf8.h"
#include "inspect/ConsentFlow.h"
#include "inspect/InspectOptions.h"
#include "inspect/Inspection.h"
#include "inspect/PlanFile.h"
#include "inspect/Quarantine.h"
#include "inspect/ReportJson.h"
#include "policy/DefaultPolicy.h"
#include "policy/PolicyLoader.h"

namespace {

using namespace mamori;
using inspect::InspectOptions;

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitError = 2;

std::atomic<bool> gStop{false};

extern "C" void onSignal(int /*signal*/) { gStop.store(true); }

// SIGINT/SIGTERM set the stop flag. No SA_RESTART: a prompt waiting for input returns at once.
void installSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Error messages name files of the inspected PC (a path, an archive member, a reason built from them):
// written by common::printError, one line each, no terminal control.
int fail(const std::string& message) {
  common::printError("mamori-inspect", message);
  return kExitError;
}

std::string toolDir() {
  std::string buf(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size());
  if (n <= 0) return ".";
  buf.resize(static_cast<std::size_t>(n));
  return buf.substr(0, buf.find_last_of('/'));
}

std::string utcNow(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::vector<std::string> defaultHomes() {
  if (::geteuid() != 0) {
    const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe): before any thread starts
    if (home != nullptr && *home != '\0') return {home};
    // NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread starts
    if (const passwd* pw = ::getpwuid(::getuid())) return {pw->pw_dir};
    return {};
  }
  std::vector<std::string> homes;
  if (DIR* d = ::opendir("/home")) {
    while (const dirent* e = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe): before any thread starts
      const std::string name = e->d_name;
      if (name != "." && name != ".." && name != "lost+found") homes.push_back("/home/" + name);
    }
    ::closedir(d);
  }
  std::sort(homes.begin(), homes.end());
  homes.emplace_back("/root");
  return homes;
}

common::Result<std::string> passphraseFrom(const InspectOptions& o) {
  if (!o.passphraseFile.empty()) {
    auto text = common::readSmallFile(o.passphraseFile, 4096);
    if (!text) return text.error();
    std::string p = text.value();
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
    return p;
  }
  const char* env = std::getenv("MAMORI_INSPECT_PASSPHRASE");  // NOLINT(concurrency-mt-unsafe): scan threads ended
  if (env != nullptr && *env != '\0') return std::string(env);
  if (::isatty(STDIN_FILENO) == 0) return common::makeError("no quarantine passphrase: use --passphrase-file");
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::string first;
  std::string second;
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::cerr << "Quarantine passphrase (the staff keep it; at least 8 characters): " << std::flush;
  std::getline(std::cin, first);
  std::cerr << "\nAgain: " << std::flush;
  std::getline(std::cin, second);
  std::cerr << "\n";
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (first != second) return common::makeError("the two passphrases differ");
  return first;
}

int runKeygen(const InspectOptions& o) {
  const std::string dir = o.keyDir.empty() ? toolDir() : o.keyDir;
  auto key = common::SigningKey::generate();
  if (!key) return fail(key.error().describe());
  if (auto ok = common::savePrivateKey(key.value(), dir + "/inspect.key"); !ok) return fail(ok.error().describe());
  if (auto ok = common::savePublicKey(key.value().publicKey(), dir + "/inspect.pub"); !ok)
    return fail(ok.error().describe());
  std::cout << "wrote " << dir << "/inspect.key (keep it in the staff's folder only) and " << dir
            << "/inspect.pub (key " << key.value().keyId() << ")\n";
  return kExitClean;
}

int runVerify(const InspectOptions& o) {
  const std::string pubPath = o.publicKeyFile.empty() ? toolDir() + "/inspect.pub" : o.publicKeyFile;
  auto pub = common::loadPublicKey(pubPath);
  if (!pub) return fail("no public key to check against (" + pub.error().describe() + "); pass --pub FILE");
  int result = kExitClean;
  for (const auto& path : o.reports) {
    auto text = common::readSmallFile(path, common::reportJsonLimits().maxBytes);
    if (!text) {
      common::printError("mamori-inspect verify", text.error().describe());
      result = kExitError;
      continue;
    }
    auto verified = common::verifyReportText(text.value(), pub.value());
    if (!verified) {
      std::cout << common::visibleText(path + ": NOT VALID: " + verified.error().describe()) << "\n";
      if (result == kExitClean) result = kExitFindings;
      continue;
    }
    std::cout << common::visibleText(path + ": valid, signed by key " + verified.value().keyId) << "\n";
  }
  return result;
}

int runUnquarantine(const InspectOptions& o) {
  InspectOptions withFile = o;
  auto passphrase = passphraseFrom(withFile);
  if (!passphrase) return fail(passphrase.error().describe());
  auto files = inspect::extractQuarantine(o.archive, passphrase.value(), o.extractTo);
  if (!files) return fail(files.error().describe());
  // The names come from the archive: shown through visibleText, one file per line.
  for (const auto& f : files.value())
    std::cout << common::visibleText(f.path) << " (" << f.size << " bytes, sha256 " << f.sha256 << ")\n";
  std::cout << files.value().size() << " file(s) restored under " << common::visibleText(o.extractTo) << "\n";
  return kExitClean;
}

int runInspect(const InspectOptions& o) {
  const std::string dir = toolDir();
  inspect::Report report;
  report.run.startedUtc = utcNow("%Y-%m-%dT%H:%M:%SZ");
  const auto started = std::chrono::steady_clock::now();

  // Policy: --policy, else policy.json beside the tool, else the built-in one.
  std::string policyPath = o.policyFile;
  if (policyPath.empty() && common::fileExists(dir + "/policy.json")) policyPath = dir + "/policy.json";
  policy::PolicyParseResult loaded;
  const policy::Policy* policy = &policy::builtinPolicy();
  if (!policyPath.empty()) {
    loaded = policy::loadPolicyFile(policyPath);
    if (!loaded.ok()) {
      fail(policyPath + ": the policy does not validate:");
      for (const auto& error : loaded.errors) fail(policyPath + ": " + error.describe());
      if (loaded.moreErrors) fail(policyPath + ": more errors not shown; fix these and validate again");
      return kExitError;
    }
    policy = &*loaded.policy;
  }
  report.run.policySource = policyPath.empty() ? "built-in" : policyPath;
  report.run.policyVersion = policy->version;
  // The company's documents and customer table, when the policy names them: checked like the policy,
  // before anything is scanned.
  auto sets = inspect::loadBundledSets(dir, policy->contentScan);
  if (!sets) return fail(sets.error().describe());
  report.run.sets = sets.value().described;

  // Signing key first: a report that cannot be signed is refused before anything is scanned.
  std::optional<common::SigningKey> key;
  const std::string keyPath = o.keyFile.empty() ? dir + "/inspect.key" : o.keyFile;
  if (auto k = common::loadPrivateKey(keyPath))
    key = std::move(k).value();
  else if (!o.unsignedReport)
    return fail("cannot sign reports: " + k.error().describe() +
                " (make a key with 'mamori-inspect keygen', or pass --unsigned)");

  std::optional<inspect::Plan> plan;
  if (!o.planFile.empty()) {
    auto text = common::readSmallFile(o.planFile, 4U << 20U);
    if (!text) return fail(text.error().describe());
    auto parsed = inspect::parsePlan(text.value());
    if (!parsed) return fail(o.planFile + ": " + parsed.error().describe());
    plan = std::move(parsed).value();
  }
  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  if (o.apply && !plan && !interactive) return fail("--apply needs a terminal for the questions, or --plan FILE");
  if (auto made = common::makeDirectories(o.outDir); !made) return fail(made.error().describe());

  utsname uts{};
  ::uname(&uts);
  report.run.toolVersion = "0.1.0";
  report.run.host = uts.nodename;
  report.run.os = std::string(uts.sysname) + " " + uts.release + " " + uts.machine;
  report.run.uid = ::geteuid();
  report.run.root = ::geteuid() == 0;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): before any thread starts
  if (const passwd* pw = ::getpwuid(::geteuid())) report.run.user = pw->pw_name;
  report.run.homes = o.homes.empty() ? defaultHomes() : o.homes;
  report.run.processSource = o.procRoot;

  inspect::InspectionScope scope;
  scope.homes = report.run.homes;
  scope.systemPrograms = o.systemPrograms;
  scope.procRoot = o.procRoot;
  scope.threads = o.threads;
  scope.sets = std::move(sets).value();
  scope.exclude = {dir + "/*", o.outDir + "/inspection-*", o.outDir + "/quarantine-*"};

  // Files are parsed by the extraction sandbox worker that travels in the same folder
  // (docs/decisions/0022): without it nothing could be inspected, so say so before starting.
  if (::access((dir + "/mamori-extract").c_str(), X_OK) != 0)
    return fail("mamori-extract is missing from " + dir +
                ": copy the whole mamori-inspect folder (it parses the files, confined)");

  installSignalHandlers();
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  inspect::Progress progress(stderr, terminal, std::chrono::seconds(2));
  inspect::runInspection(scope, *policy, progress, gStop, report);
  if (report.run.interrupted) std::cerr << "mamori-inspect: stopped (Ctrl-C): the report is partial\n";

  // Summary.
  std::cerr << "\n" << report.findings.size() << " finding(s):\n";
  for (const auto& f : report.findings)
    std::cerr << "  " << f.id << "  " << inspect::severityName(f.severity) << "  " << inspect::kindName(f.kind) << "  "
              << common::visibleText(f.path) << "\n";
  if (!report.notInspected.empty())
    std::cerr << report.notInspected.size() << " place(s) could not be inspected (listed in the report)\n";

  const std::string stamp = utcNow("%Y%m%dT%H%M%SZ");
  // The host name is the inspected PC's own (any bytes but NUL, '/' and ".." included): in a file name
  // only as common::fileNamePart, so the report and the archive stay in --out.
  const std::string host = common::fileNamePart(report.run.host, 64);
  const std::string base = o.outDir + "/inspection-" + host + "-" + stamp;
  if (!gStop.load()) {
    inspect::ConsentSettings consent;
    consent.apply = o.apply;
    consent.plan = plan;
    consent.in = interactive ? stdin : nullptr;
    consent.archivePath = o.outDir + "/quarantine-" + host + "-" + stamp + ".mqa";
    consent.passphrase = [&o] { return passphraseFrom(o); };
    if (auto ok = inspect::decideAndApply(report, consent); !ok) return fail(ok.error().describe());
  } else {
    report.run.dryRun = !o.apply;
    report.notes.push_back("stopped before any decision: nothing was deleted or moved");
  }
  report.run.finishedUtc = utcNow("%Y-%m-%dT%H:%M:%SZ");
  report.run.elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();

  // Report files: signed JSON, the HTML page rendered from exactly that JSON, a plan template.
  const auto reportJson = inspect::reportToJson(report);
  common::JsonValue document;
  if (key) {
    auto signedDoc = common::signReport(reportJson, *key);
    if (!signedDoc) return fail(signedDoc.error().describe());
    document = std::move(signedDoc).value();
  } else {
    document = common::json::object();
    common::json::set(document, "report", reportJson);
  }
  // The .json file is read on terminals too: C1 controls and Unicode line ends in the PC's names are
  // \u escapes there (verify parses it, so any correct serialisation verifies).
  const std::string jsonText =
      common::json::escapeLineControls(common::json::write(document, common::json::Style::kPretty)) + "\n";
  auto reparsed = common::parseJsonStrict(jsonText, common::reportJsonLimits());
  if (!reparsed) return fail("internal error: the report does not parse back: " + reparsed.error().describe());
  for (const auto& [path, content] :
       std::vector<std::pair<std::string, std::string>>{{base + ".json", jsonText},
                                                        {base + ".html", common::renderHtml(reparsed.value())},
                                                        {base + ".plan", inspect::planTemplate(report.findings)}}) {
    if (auto ok = common::writeFileAtomically(path, content, 0600); !ok) return fail(ok.error().describe());
  }
  const std::string shown = common::visibleText(base);
  std::cerr << "report: " << shown << ".json\nreport: " << shown << ".html\nplan template: " << shown << ".plan\n";
  if (report.run.interrupted && report.findings.empty()) return kExitError;
  return report.findings.empty() ? kExitClean : kExitFindings;
}

}  // namespace

int main(int argc, char** argv) {
  common::log::setProgramName("mamori-inspect");
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = inspect::parseInspectOptions(args);
  if (!options) return common::usageError("mamori-inspect", options.error().describe());
  if (options.value().help) {
    std::cout << inspect::usage();
    return kExitClean;
  }
  try {
    switch (options.value().command) {
      case inspect::Command::kKeygen: return runKeygen(options.value());
      case inspect::Command::kVerify: return runVerify(options.value());
      case inspect::Command::kUnquarantine: return runUnquarantine(options.value());
      case inspect::Command::kInspect: return runInspect(options.value());
    }
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what());
  }
  return kExitError;
}
