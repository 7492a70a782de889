#pragma once
// Compiles one YARA source held in memory. Includes are refused: a policy's rules must not reach for
// files on the PC that validates it.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"
#include "policy/YaraRules.h"

namespace mamori::policy {

struct YaraDiagnostic {
  int line = 0;         // in the source, from 1; 0 when libyara names no line
  std::string message;  // libyara's words
};

struct YaraCompileOutcome {
  std::shared_ptr<const YaraRules> rules;  // null when errors is non-empty
  std::vector<YaraDiagnostic> errors;
  std::vector<YaraDiagnostic> warnings;
};

YaraCompileOutcome compileYara(std::string_view source);

// How the policy parser compiles each YARA source it finds (pointer: the source's JSON pointer).
using YaraSourceCompiler = std::function<YaraCompileOutcome(std::string_view source, const std::string& pointer)>;

// While one lives, policies parsed on this thread compile their YARA sources through compiler rather
// than compileYara: `mamori-agent scan --state-dir` passes its cache of compiled rules
// (scan/CompiledRulesCache), so the built-in policy's rules are not compiled on every run. Errors
// are reported as ever (a cache only answers for sources that compiled). One at a time per thread.
class ScopedYaraCompiler {
 public:
  explicit ScopedYaraCompiler(YaraSourceCompiler compiler);
  ~ScopedYaraCompiler();
  ScopedYaraCompiler(const ScopedYaraCompiler&) = delete;
  ScopedYaraCompiler& operator=(const ScopedYaraCompiler&) = delete;

  // The compiler set on this thread, or null.
  static const YaraSourceCompiler* current();

 private:
  YaraSourceCompiler compiler_;
  const YaraSourceCompiler* previous_;
};

// Compiled rules as bytes (libyara's own saved form) and back, for a cache of compiled rules
// (scan/CompiledRulesCache). libyara trusts what it loads: only bytes this process saved, or whose
// integrity the caller has checked, may be loaded. source: what the bytes were compiled from (their
// literal prefilter is built from it; empty: none).
common::Result<std::string> saveYaraRules(const YaraRules& rules);
common::Result<std::shared_ptr<const YaraRules>> loadYaraRules(std::string bytes, std::string_view source = {});

}  // namespace mamori::policy
