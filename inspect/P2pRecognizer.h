#pragma once
// Recognises P2P programs from files, with the P2P guard's own matcher (policy::P2pMatcher): the
// facts an exec would give (name, executable path, SHA-256, YARA hits of the signature sets' rules)
// are built from the file's bytes, so a renamed copy is still caught by hash or YARA rule.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/P2pGuardSettings.h"
#include "policy/P2pMatcher.h"
#include "policy/YaraPrefilter.h"
#include "scan/YaraScanner.h"

namespace mamori::inspect {

class P2pRecognizer {
 public:
  explicit P2pRecognizer(const policy::P2pGuardSettings& settings);

  // The signature sets' YARA rules over an executable's bytes (goes into ProcessFacts::yaraHits).
  std::vector<policy::YaraHit> scan(const std::string& path, const std::string& bytes);

  // The shared libraries an executable needs (ELF DT_NEEDED, resolved in the executable's folder and
  // the system library folders), each with its SHA-256 and YARA hits added to facts: a renamed stub
  // over libaria2 or libtorrent is recognised by its library.
  void addLibraries(policy::ProcessFacts& facts, const std::string& bytes);

  // Reasons ("name aria2c (signature set builtin-linux-p2p, in comm)", ...), empty when the facts
  // are no P2P program. Without byName, a name alone is no reason (the file's content must say so).
  std::vector<std::string> recognise(const policy::ProcessFacts& facts, bool byName = true) const;

 private:
  policy::P2pMatcher matcher_;
  // One scanner per signature set with rules (made on first use; this class is used from one thread).
  scan::NamedScanners scanners_;
  // Every set's prefilter in one: a file holding none of any set's strings is passed over in one
  // pass, not one per set (null: a set without a prefilter, or MAMORI_YARA_PREFILTER=off).
  std::unique_ptr<const policy::YaraPrefilter> anySet_;
  struct LibraryFacts {
    std::string sha256;
    std::vector<policy::YaraHit> hits;
  };
  std::map<std::string, LibraryFacts> libraries_;  // by resolved path: each library is read once
};

// Names people give AppImages and downloads: "qBittorrent-4.6.0-x86_64.AppImage" -> "qBittorrent".
std::string programNameOf(const std::string& fileName);

// A Windows program's version resource (product, original file name ...) into facts: a renamed
// Winny.exe in a Wine prefix is still recognised by it. Nothing for other files.
void addPeVersion(policy::ProcessFacts& facts, const std::string& path, const std::string& bytes);

// The facts an exec of the file at path would give.
policy::ProcessFacts factsForFile(const std::string& path, const std::string& sha256);

}  // namespace mamori::inspect
