#include "policy/YaraCompiler.h"

#include <yara.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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

// The YARA modules policy rules may import: they compute over the scanned bytes (math, hash) or the
// clock and log (time, console) and parse no file format. The file-format modules (pe, elf, dotnet,
// macho, dex, magic, cuckoo) parse the scanned file's structures inside the process that scans, which
// is the root agent, for every program it checks and every file under /home; libyara's parsers of
// them have had memory-safety bugs. docs/decisions/0072.
constexpr std::array<std::string_view, 4> kAllowedModules = {"math", "hash", "time", "console"};

int recordImport(YR_SCAN_CONTEXT* /*context*/, int message, void* data, void* userData) noexcept {
  if (message == CALLBACK_MSG_IMPORT_MODULE && data != nullptr) {
    const char* name = static_cast<YR_MODULE_IMPORT*>(data)->module_name;
    static_cast<std::vector<std::string>*>(userData)->emplace_back(name != nullptr ? name : "");
  }
  return CALLBACK_CONTINUE;
}

// The modules the rules import, as libyara itself lists them: it announces each before a scan, here
// one over no bytes (so no module has anything to parse).
common::Result<std::vector<std::string>> importedModules(YR_RULES* rules) {
  std::vector<std::string> modules;
  static const std::uint8_t kNothing = 0;
  if (const int rc = yr_rules_scan_mem(rules, &kNothing, 0, 0, recordImport, &modules, 0); rc != ERROR_SUCCESS)
    return yaraError(rc, "yr_rules_scan_mem");
  return modules;
}

// The line of source that imports module, or 0.
int importLine(std::string_view source, std::string_view module) {
  const std::string quoted = "\"" + std::string(module) + "\"";
  int line = 1;
  for (std::size_t at = 0; at < source.size();) {
    const std::size_t end = std::min(source.find('\n', at), source.size());
    const std::string_view text = source.substr(at, end - at);
    if (text.find("import") != std::string_view::npos && text.find(quoted) != std::string_view::npos) return line;
    at = end + 1;
    ++line;
  }
  return 0;
}

// An error for each import of a module outside kAllowedModules.
std::vector<YaraDiagnostic> refusedImports(YR_RULES* rules, std::string_view source) {
  std::vector<YaraDiagnostic> refused;
  auto modules = importedModules(rules);
  if (!modules) return {{0, modules.error().message}};
  for (const auto& module : modules.value()) {
    if (std::find(kAllowedModules.begin(), kAllowedModules.end(), module) != kAllowedModules.end()) continue;
    refused.push_back({importLine(source, module),
                       "import \"" + module +
                           "\" is not allowed in policy rules: YARA's file-format modules parse the scanned files "
                           "inside the agent, which runs as root (allowed: math, hash, time, console; match "
                           "headers with uint16/uint32 and strings, programs with p2p_guard's pe_version_info)"});
  }
  return refused;
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
  if (auto refused = refusedImports(rules, source); !refused.empty()) {
    yr_rules_destroy(rules);
    outcome.errors = std::move(refused);
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
  // Saved by a version that allowed every module: refused as compileYara would (the caller compiles
  // the source then, which reports why).
  if (auto refused = refusedImports(loaded.value(), source); !refused.empty()) {
    yr_rules_destroy(loaded.value());
    return common::makeError(refused.front().message);
  }
  return std::make_shared<const YaraRules>(loaded.value(), source);
}

}  // namespace mamori::policy
