#pragma once
// Compiles one YARA source held in memory. Includes are refused: a policy's rules must not reach for
// files on the PC that validates it.

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

// Compiled rules as bytes (libyara's own saved form) and back, for a cache of compiled rules
// (scan/CompiledRulesCache). libyara trusts what it loads: only bytes this process saved, or whose
// integrity the caller has checked, may be loaded.
common::Result<std::string> saveYaraRules(const YaraRules& rules);
common::Result<std::shared_ptr<const YaraRules>> loadYaraRules(std::string bytes);

}  // namespace mamori::policy
