#pragma once
// The p2p_guard section: which programs count as file-sharing software and what to do about them.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "policy/Mode.h"
#include "policy/YaraRules.h"

namespace mamori::policy {

// An interpreter running a script: deluged is python3 running /usr/bin/deluged, so neither the
// executable's name nor its hash says anything. Both are glob patterns (* and ?), matched against the
// base name unless the pattern holds a '/', then against the full path.
struct ScriptPattern {
  std::string interpreter;
  std::string script;
  bool operator==(const ScriptPattern&) const = default;
};

// A string of a Windows program's version resource (ProductName, OriginalFilename ...; the file
// keeps them when it is renamed): field is one of kPeVersionFields, value a glob pattern (* and ?),
// ASCII case-insensitive, over the whole string.
struct PeVersionPattern {
  std::string field;
  std::string value;
  bool operator==(const PeVersionPattern&) const = default;
};

struct P2pSignatureSet {
  std::string name;
  // Glob patterns, ASCII case-insensitive, matched against comm, the executable's base name and
  // argv[0]'s base name (".exe" removed).
  std::vector<std::string> processNames;
  // Lower-case hex SHA-256 of an executable or of a library it maps (libtorrent, libaria2 ...).
  std::vector<std::string> sha256;
  // YARA rules over executables and mapped libraries; compiled at validation time.
  std::string yaraSource;
  std::shared_ptr<const YaraRules> yaraRules;  // null when yaraSource is empty
  std::vector<ScriptPattern> scripts;
  std::vector<PeVersionPattern> peVersionInfo;
};

// The version resource's standard string names: the fields a PeVersionPattern may name.
inline constexpr const char* kPeVersionFields[] = {
    "Comments",        "CompanyName",      "FileDescription", "FileVersion", "InternalName",   "LegalCopyright",
    "LegalTrademarks", "OriginalFilename", "PrivateBuild",    "ProductName", "ProductVersion", "SpecialBuild"};

struct P2pGuardSettings {
  Mode mode = Mode::kEnforce;
  bool denyExec = true;          // refuse the exec where the OS lets us decide before it runs
  bool kill = true;              // otherwise kill it as soon as it is recognised
  bool networkDetection = true;  // BitTorrent/DHT/tracker/eMule/Winny traffic as evidence
  // true: the built-in signature sets (BuiltinP2pSignatures.h) come first in signatureSets.
  bool builtinSignatures = true;
  std::vector<P2pSignatureSet> signatureSets;
};

// Whether two settings recognise and treat every program alike: the same mode and actions and the
// same sets in the same order (rules compared by their source: a policy parsed again compiles them
// again). The agent keeps what it learned about files (the exec guard's remembered files, cached
// verdicts) across a policy that leaves them so.
inline bool sameRecognition(const P2pGuardSettings& a, const P2pGuardSettings& b) {
  const auto sameSet = [](const P2pSignatureSet& x, const P2pSignatureSet& y) {
    return x.name == y.name && x.processNames == y.processNames && x.sha256 == y.sha256 &&
           x.yaraSource == y.yaraSource && x.scripts == y.scripts && x.peVersionInfo == y.peVersionInfo;
  };
  return a.mode == b.mode && a.denyExec == b.denyExec && a.kill == b.kill && a.networkDetection == b.networkDetection &&
         a.builtinSignatures == b.builtinSignatures &&
         std::equal(a.signatureSets.begin(), a.signatureSets.end(), b.signatureSets.begin(), b.signatureSets.end(),
                    sameSet);
}

}  // namespace mamori::policy
