#include "policy/YaraCompiler.h"

#include <yara.h>

#include <cstring>
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

// What yr_rules_save_stream writes and yr_rules_load_stream reads back: a string in memory.
struct MemoryStream {
  std::string bytes;
  std::size_t at = 0;

  static std::size_t write(const void* data, std::size_t size, std::size_t count, void* self) noexcept {
    auto* stream = static_cast<MemoryStream*>(self);
    stream->bytes.append(static_cast<const char*>(data), size * count);
    return count;
  }
  static std::size_t read(void* data, std::size_t size, std::size_t count, void* self) noexcept {
    auto* stream = static_cast<MemoryStream*>(self);
    if (size == 0 || stream->bytes.size() - stream->at < size * count) return 0;
    std::memcpy(data, stream->bytes.data() + stream->at, size * count);
    stream->at += size * count;
    return count;
  }
};

common::Result<std::string> save(YR_RULES* rules) {
  MemoryStream stream;
  YR_STREAM out{&stream, &MemoryStream::read, &MemoryStream::write};
  if (const int rc = yr_rules_save_stream(rules, &out); rc != ERROR_SUCCESS) return yaraError(rc, "yr_rules_save");
  return std::move(stream.bytes);
}

common::Result<YR_RULES*> load(std::string bytes) {
  MemoryStream stream{std::move(bytes)};
  YR_STREAM in{&stream, &MemoryStream::read, &MemoryStream::write};
  YR_RULES* loaded = nullptr;
  if (const int rc = yr_rules_load_stream(&in, &loaded); rc != ERROR_SUCCESS || loaded == nullptr)
    return yaraError(rc != ERROR_SUCCESS ? rc : ERROR_INTERNAL_FATAL_ERROR, "yr_rules_load");
  return loaded;
}

// libyara (4.2) hands over the compiler's whole arena with the rules, growth room included: about
// 7 MB resident for even one small rule, nearly all of it zeros, held for as long as the policy is.
// Saved and loaded back, the rules take only what they use (tens of KB). On any failure the original
// is kept: the round trip only saves memory.
YR_RULES* compact(YR_RULES* rules) {
  auto saved = save(rules);
  if (!saved) return rules;
  auto loaded = load(std::move(saved).value());
  if (!loaded) return rules;
  yr_rules_destroy(rules);
  return loaded.value();
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
  outcome.rules = std::make_shared<const YaraRules>(compact(rules), source);
  return outcome;
}

namespace {
thread_local const YaraSourceCompiler* currentCompiler = nullptr;
}  // namespace

ScopedYaraCompiler::ScopedYaraCompiler(YaraSourceCompiler compiler)
    : compiler_(std::move(compiler)), previous_(currentCompiler) {
  currentCompiler = &compiler_;
}

ScopedYaraCompiler::~ScopedYaraCompiler() { currentCompiler = previous_; }

const YaraSourceCompiler* ScopedYaraCompiler::current() { return currentCompiler; }

common::Result<std::string> saveYaraRules(const YaraRules& rules) { return save(rules.get()); }

common::Result<std::shared_ptr<const YaraRules>> loadYaraRules(std::string bytes, std::string_view source) {
  if (auto status = YaraRuntime::ensure(); !status) return status.error();
  auto loaded = load(std::move(bytes));
  if (!loaded) return loaded.error();
  return std::make_shared<const YaraRules>(loaded.value(), source);
}

}  // namespace mamori::policy
