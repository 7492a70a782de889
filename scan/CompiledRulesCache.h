#pragma once
// Compiled YARA rules kept in the scanner's state directory, so that a scan of an unchanged tree does
// not compile its rules again (`mamori-agent scan --state-dir`; docs/decisions/0039). One file per
// rule set name, "rules-<SHA-256 of the name, 16 hex>.yarc":
//
//   "MAMORI-YARC 1\n" | 64 hex: SHA-256 of libyara's version and the source | 64 hex: SHA-256 of the
//   compiled bytes | the compiled bytes (libyara's saved form)
//
// libyara trusts what it loads, so a file is loaded only when it is a regular file of this user that
// nobody else may write, for this very source and libyara version, and its bytes hash to what it
// says. Anything else (stale, truncated, damaged, foreign) is never loaded: the source is compiled
// and the file replaced atomically.

#include <optional>
#include <string>
#include <string_view>

#include "policy/YaraCompiler.h"

namespace mamori::scan {

class CompiledRulesCache {
 public:
  enum class Origin { kLoaded, kCompiled };
  struct Rules {
    policy::YaraCompileOutcome outcome;  // as compileYara gives it (no warnings when loaded)
    Origin origin = Origin::kCompiled;
  };

  explicit CompiledRulesCache(std::string directory);

  // The compiled rules of source, for the rule set called name. A cache that cannot be written (a
  // read-only directory) only costs the compilation: the rules are still returned. Rules from the
  // cache (kLoaded) are handed to libyara on their first use (docs/decisions/0054).
  Rules compile(std::string_view name, std::string_view source) const;

  // Where the rules of a set of this name are kept.
  std::string pathFor(std::string_view name) const;

  // The on-disk form, exposed for tests: the file for compiled bytes of source, and the compiled
  // bytes of a file if it is whole and for source (else an empty result).
  static std::string encode(std::string_view source, std::string_view compiled);
  static std::optional<std::string> decode(std::string_view file, std::string_view source);

 private:
  static policy::YaraCompileOutcome compileAndKeep(const std::string& path, std::string_view source);
  std::string directory_;
};

}  // namespace mamori::scan
