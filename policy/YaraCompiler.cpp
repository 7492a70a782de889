#include "policy/YaraCompiler.h"

#include <yara.h>

#include <string>

#include "policy/YaraError.h"
#include "policy/YaraRuntime.h"

namespace mamori::policy {

namespace {

struct CompilerDeleter {
  void operator()(YR_COMPILER* compiler) const {
    if (compiler != nullptr) yr_compiler_destroy(compiler);
  }
};
using CompilerPtr = std::unique_ptr<YR_COMPILER, CompilerDeleter>;

// libyara calls this for every error and warning. It must not throw (C frames above it), so it only
// appends to a vector; std::bad_alloc here would terminate, which is what we want for OOM anyway.
void collectDiagnostic(int errorLevel, const char* /*fileName*/, int lineNumber, const YR_RULE* /*rule*/,
                       const char* message, void* userData) noexcept {
  auto* outcome = static_cast<YaraCompileOutcome*>(userData);
  YaraDiagnostic diagnostic{lineNumber, message != nullptr ? message : "unknown error"};
  if (errorLevel == YARA_ERROR_LEVEL_WARNING) {
    outcome->warnings.push_back(std::move(diagnostic));
  } else {
    outcome->errors.push_back(std::move(diagnostic));
  }
}

// Refuses every include: returning null makes libyara report "can't open include file".
const char* refuseInclude(const char* /*includeName*/, const char* /*callingFile*/, const char* /*ns*/,
                          void* userData) noexcept {
  *static_cast<bool*>(userData) = true;
  return nullptr;
}

YaraCompileOutcome failure(const common::Error& error) {
  YaraCompileOutcome outcome;
  outcome.errors.push_back({0, error.message});
  return outcome;
}

}  // namespace

YaraCompileOutcome compileYara(std::string_view source) {
  if (auto status = YaraRuntime::ensure(); !status) return failure(status.error());
  YR_COMPILER* raw = nullptr;
  if (const int rc = yr_compiler_create(&raw); rc != ERROR_SUCCESS) {
    return failure(yaraError(rc, "yr_compiler_create"));
  }
  const CompilerPtr compiler(raw);
  YaraCompileOutcome outcome;
  yr_compiler_set_callback(compiler.get(), collectDiagnostic, &outcome);
  bool includeRefused = false;
  yr_compiler_set_include_callback(compiler.get(), refuseInclude, nullptr, &includeRefused);
  // yr_compiler_add_string wants a NUL-terminated string; the copy also drops any embedded NUL's tail,
  // which the JSON parser already refuses.
  const std::string text(source);
  const int errorCount = yr_compiler_add_string(compiler.get(), text.c_str(), nullptr);
  if (errorCount > 0 || !outcome.errors.empty()) {
    if (outcome.errors.empty()) outcome.errors.push_back({0, "the rules do not compile"});
    if (includeRefused) outcome.errors.front().message += " (include is not allowed in policy rules)";
    return outcome;
  }
  YR_RULES* rules = nullptr;
  if (const int rc = yr_compiler_get_rules(compiler.get(), &rules); rc != ERROR_SUCCESS) {
    outcome.errors.push_back({0, yaraError(rc, "yr_compiler_get_rules").message});
    return outcome;
  }
  outcome.rules = std::make_shared<const YaraRules>(rules);
  return outcome;
}

}  // namespace mamori::policy
