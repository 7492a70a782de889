#include "scan/YaraScanner.h"

#include <yara.h>

#include <cstdlib>
#include <cstring>

#include "common/Log.h"
#include "policy/P2pGuardSettings.h"
#include "policy/YaraError.h"
#include "policy/YaraRuntime.h"

namespace mamori::scan {

namespace {

struct CallbackState {
  std::vector<RuleMatch>* matches;
  bool failed = false;
};

// Called by libyara from inside yr_scanner_scan_mem: nothing may propagate through its C frames.
int onScanMessage(YR_SCAN_CONTEXT* context, int message, void* messageData, void* userData) noexcept {
  auto* state = static_cast<CallbackState*>(userData);
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  try {
    auto* rule = static_cast<YR_RULE*>(messageData);
    std::int64_t count = 0;
    YR_STRING* string = nullptr;
    yr_rule_strings_foreach(rule, string) {
      YR_MATCH* match = nullptr;
      yr_string_matches_foreach(context, string, match) { ++count; }
    }
    state->matches->push_back({rule->identifier, count > 0 ? count : 1});
    return CALLBACK_CONTINUE;
  } catch (...) {
    state->failed = true;
    return CALLBACK_ERROR;
  }
}

// MAMORI_YARA_PREFILTER=off sends every buffer to libyara; =require makes a rule set without a
// prefilter an error (tests and bench/scan.py compare both ways and prove it was in use).
enum class PrefilterMode { kOn, kOff, kRequire };
PrefilterMode prefilterMode() {
  static const PrefilterMode mode = [] {
    const char* value = std::getenv("MAMORI_YARA_PREFILTER");  // NOLINT(concurrency-mt-unsafe): read once
    if (value != nullptr && std::strcmp(value, "off") == 0) return PrefilterMode::kOff;
    if (value != nullptr && std::strcmp(value, "require") == 0) return PrefilterMode::kRequire;
    return PrefilterMode::kOn;
  }();
  return mode;
}

}  // namespace

bool yaraPrefilterEnabled() { return prefilterMode() != PrefilterMode::kOff; }

void YaraScanner::Deleter::operator()(YR_SCANNER* scanner) const {
  if (scanner != nullptr) yr_scanner_destroy(scanner);
}

YaraScanner::YaraScanner(std::shared_ptr<const policy::YaraRules> rules, YR_SCANNER* scanner)
    : rules_(std::move(rules)), scanner_(scanner) {
  if (scanner_ && prefilterMode() != PrefilterMode::kOff) prefilter_ = rules_->prefilter();
}

common::Result<std::unique_ptr<YaraScanner>> YaraScanner::create(std::shared_ptr<const policy::YaraRules> rules) {
  if (!rules) return common::makeError("no compiled rules");
  // Deferred rules (a cache's, decision 0054) are loaded by the first scan, not here: a run that
  // scans nothing does not start libyara. MAMORI_YARA_PREFILTER=require must see the prefilter now.
  if (!rules->loaded() && prefilterMode() != PrefilterMode::kRequire)
    return std::unique_ptr<YaraScanner>(new YaraScanner(std::move(rules), nullptr));
  if (auto status = policy::YaraRuntime::ensure(); !status) return status.error();
  if (rules->get() == nullptr) return common::makeError("YARA rules not loaded: " + rules->loadError());
  if (prefilterMode() == PrefilterMode::kRequire && rules->prefilter() == nullptr)
    return common::makeError("no literal prefilter (MAMORI_YARA_PREFILTER=require): " + rules->noPrefilterReason());
  YR_SCANNER* raw = nullptr;
  if (const int rc = yr_scanner_create(rules->get(), &raw); rc != ERROR_SUCCESS) {
    return policy::yaraError(rc, "yr_scanner_create");
  }
  return std::unique_ptr<YaraScanner>(new YaraScanner(std::move(rules), raw));
}

common::Status YaraScanner::start() {
  // The rules' own loader starts libyara; a failure is not cached by the scan (kUnavailable).
  if (rules_->get() == nullptr)
    return common::makeError(common::ErrorKind::kUnavailable, "YARA rules not loaded: " + rules_->loadError());
  YR_SCANNER* raw = nullptr;
  if (const int rc = yr_scanner_create(rules_->get(), &raw); rc != ERROR_SUCCESS) {
    auto error = policy::yaraError(rc, "yr_scanner_create");
    error.kind = common::ErrorKind::kUnavailable;
    return error;
  }
  scanner_.reset(raw);
  if (prefilterMode() != PrefilterMode::kOff) prefilter_ = rules_->prefilter();
  return common::Ok{};
}

common::Result<std::vector<RuleMatch>> YaraScanner::scan(std::string_view data, int timeoutSeconds) {
  std::vector<RuleMatch> matches;
  if (!scanner_) {
    if (auto started = start(); !started) return started.error();
  }
  // No rule of a prefiltered set can be true without one of its strings: a buffer holding none of
  // them is not handed to libyara (docs/decisions/0053).
  if (prefilter_ != nullptr && !prefilter_->mayMatch(data)) return matches;
  CallbackState state{&matches};
  yr_scanner_set_callback(scanner_.get(), onScanMessage, &state);
  yr_scanner_set_timeout(scanner_.get(), timeoutSeconds < 1 ? 1 : timeoutSeconds);
  const int rc = yr_scanner_scan_mem(scanner_.get(), reinterpret_cast<const std::uint8_t*>(data.data()),  // NOLINT
                                     data.size());
  if (rc != ERROR_SUCCESS) return policy::yaraError(rc, "yr_scanner_scan_mem");
  if (state.failed) return common::makeError("out of memory while collecting YARA matches");
  return matches;
}

NamedScanners signatureSetScanners(const std::vector<policy::P2pSignatureSet>& sets, const std::string& who) {
  NamedScanners scanners;
  for (const auto& set : sets) {
    if (!set.yaraRules) continue;
    auto scanner = YaraScanner::create(set.yaraRules);
    if (!scanner) {
      common::log::warning(who + ": YARA scanner for signature set " + set.name + ": " + scanner.error().describe());
      continue;
    }
    scanners.emplace_back(set.name, std::move(scanner).value());
  }
  return scanners;
}

}  // namespace mamori::scan
