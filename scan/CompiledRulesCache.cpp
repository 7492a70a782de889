#include "scan/CompiledRulesCache.h"

#include <fcntl.h>
#include <unistd.h>
#include <yara.h>

#include <sys/stat.h>

#include "common/Crypto.h"
#include "common/Files.h"
#include "common/Log.h"
#include "common/UniqueFd.h"

namespace mamori::scan {

namespace {

constexpr std::string_view kMagic = "MAMORI-YARC 1\n";
constexpr std::size_t kHexBytes = 64;
constexpr std::size_t kMaxFileBytes = 64U << 20U;  // compiled rules of a policy are far smaller

// What the compiled bytes depend on: the source, the libyara that compiled them (its saved form
// changes between versions) and what compileYara checks besides libyara ("modules": the imports it
// refuses since docs/decisions/0072, so rules an older version cached are compiled again and refused).
std::string keyOf(std::string_view source) {
  std::string keyed = YR_VERSION;
  keyed.append("\0modules\0", 9);  // the NULs keep the parts apart; a plain += would stop at the first
  keyed.append(source);
  return common::sha256Hex(keyed);
}

// The file's bytes when it may be trusted as ours: a regular file owned by this user that no one
// else can write (the state directory is this user's; a file planted there otherwise is refused).
std::optional<std::string> readOwnFile(const std::string& path) {
  const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return std::nullopt;
  auto data = common::readAll(fd.get(), kMaxFileBytes, static_cast<std::size_t>(st.st_size));
  if (!data) return std::nullopt;
  return std::move(data).value();
}

}  // namespace

CompiledRulesCache::CompiledRulesCache(std::string directory) : directory_(std::move(directory)) {}

std::string CompiledRulesCache::pathFor(std::string_view name) const {
  return directory_ + "/rules-" + common::sha256Hex(name).substr(0, 16) + ".yarc";
}

std::string CompiledRulesCache::encode(std::string_view source, std::string_view compiled) {
  std::string file(kMagic);
  file += keyOf(source);
  file += common::sha256Hex(compiled);
  file.append(compiled);
  return file;
}

std::optional<std::string> CompiledRulesCache::decode(std::string_view file, std::string_view source) {
  const std::size_t header = kMagic.size() + 2 * kHexBytes;
  if (file.size() <= header || file.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  if (file.substr(kMagic.size(), kHexBytes) != keyOf(source)) return std::nullopt;  // other rules: stale
  const std::string_view compiled = file.substr(header);
  if (file.substr(kMagic.size() + kHexBytes, kHexBytes) != common::sha256Hex(compiled)) return std::nullopt;
  return std::string(compiled);
}

CompiledRulesCache::Rules CompiledRulesCache::compile(std::string_view name, std::string_view source) const {
  const std::string path = pathFor(name);
  if (auto file = readOwnFile(path)) {
    if (auto compiled = decode(file.value(), source)) {
      // Handed to libyara on first use: a re-scan that reads no file never starts it (decision 0054).
      // Bytes libyara refuses then (a whole, well-hashed file that is not its saved form) are
      // compiled from the source and the file rewritten, as a damaged file is here.
      Rules rules;
      rules.outcome.rules = std::make_shared<const policy::YaraRules>(
          [path, bytes = std::move(compiled).value(),
           source = std::string(source)]() mutable -> common::Result<std::shared_ptr<const policy::YaraRules>> {
            if (auto loaded = policy::loadYaraRules(std::move(bytes), source)) return loaded;
            auto rebuilt = compileAndKeep(path, source);
            if (!rebuilt.rules)
              return common::makeError("the cached rules do not load and their source does not compile");
            return rebuilt.rules;
          });
      rules.origin = Origin::kLoaded;
      return rules;
    }
  }
  return {compileAndKeep(path, source), Origin::kCompiled};
}

policy::YaraCompileOutcome CompiledRulesCache::compileAndKeep(const std::string& path, std::string_view source) {
  auto outcome = policy::compileYara(source);
  if (!outcome.rules) return outcome;
  auto compiled = policy::saveYaraRules(*outcome.rules);
  if (!compiled) {
    common::log::debug("compiled rules not cached: " + compiled.error().describe());
    return outcome;
  }
  if (auto written = common::writeFileAtomically(path, encode(source, compiled.value()), 0600); !written)
    common::log::warning("cannot keep the compiled rules: " + written.error().describe());
  return outcome;
}

}  // namespace mamori::scan
