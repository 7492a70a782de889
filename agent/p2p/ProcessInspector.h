#pragma once
// Turns what the process driver read (drivers::ProcessInfo) into the matcher's ProcessFacts, in
// steps of rising cost so the guard can stop at the first that decides:
//   basic:  comm, exe path, argv, the script an interpreter runs (no file read)
//   hashes: SHA-256 of the executable (through /proc/PID/exe: the file that really runs), of the
//           script an interpreter runs and of every mapped library (a deleted one through
//           /proc/PID/map_files), cached by device, inode, size and mtime
//   yara:   the signature sets' compiled rules over the executable, script and libraries, cached the
//           same way; in the same read, the version resource of the executable or of the Windows
//           program a Wine loader runs (the script) when it is a PE file
// Not thread-safe: the guard calls it from one thread.

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "drivers/include/FileHasher.h"
#include "drivers/include/Process.h"
#include "policy/P2pGuardSettings.h"
#include "policy/ProcessFacts.h"
#include "scan/YaraScanner.h"

namespace mamori::agent::p2p {

class ProcessInspector {
 public:
  ProcessInspector(std::string procRoot, drivers::FileHasher& hashes)
      : procRoot_(std::move(procRoot)), hashes_(hashes) {}

  // New rules: scanners for each set with YARA, and the verdict cache starts over.
  void setSignatureSets(const std::vector<policy::P2pSignatureSet>& sets);

  policy::ProcessFacts basic(const drivers::ProcessInfo& process) const;
  void addHashes(const drivers::ProcessInfo& process, policy::ProcessFacts& facts);
  void addYara(const drivers::ProcessInfo& process, policy::ProcessFacts& facts);

  // How much of a file YARA (and the exec guard's ELF reader) look at: its first 96 MiB. No P2P
  // engine comes near it; a larger file is read that far, not skipped (zeros appended to a client
  // pass for a large program and kept it from being looked at, issue 5).
  static constexpr std::int64_t kMaxYaraBytes = 96LL * 1024 * 1024;

 private:
  struct RuleHit {
    std::string set;
    std::string rule;
  };
  struct Content {
    std::vector<RuleHit> hits;
    bool pe = false;
    std::vector<common::PeVersionString> version;
  };
  using Key = std::tuple<std::uint64_t, std::uint64_t, std::int64_t, std::int64_t>;
  Content scanFile(const std::string& path, const std::string& openPath);
  std::string scriptFile(const drivers::ProcessInfo& process, const std::string& script) const;
  // Where a mapped library is read: its path, or for a deleted one (unlinked after it was loaded, a
  // memfd) the process's /proc/PID/map_files entry; empty when it cannot be opened.
  std::string mappedFile(const drivers::ProcessInfo& process, const drivers::ExecutableMapping& mapping) const;

  std::string procRoot_;
  drivers::FileHasher& hashes_;
  scan::NamedScanners scanners_;  // set name, scanner
  bool versionPatterns_ = false;  // some set names version resource strings
  std::map<Key, Content> yaraCache_;
};

// The script an interpreter runs: for python*, perl*, ruby*, node*, sh, bash, dash the first argument
// that is not an option (and not the value of -c/-m style options); empty otherwise.
std::string scriptPathOf(const drivers::ProcessInfo& process);

}  // namespace mamori::agent::p2p
