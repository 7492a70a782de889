#pragma once
// The p2p_guard section: which programs count as file-sharing software and what to do about them.

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
};

// A string of a Windows program's version resource (ProductName, OriginalFilename ...; the file
// keeps them when it is renamed): field is one of kPeVersionFields, value a glob pattern (* and ?),
// ASCII case-insensitive, over the whole string.
struct PeVersionPattern {
  std::string field;
  std::string value;
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

}  // namespace mamori::policy
