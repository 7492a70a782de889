#pragma once
// What the process driver knows about a process that starts (or runs). drivers/include's ProcessInfo
// maps onto this: comm from /proc/PID/comm, exePath and exeSha256 from /proc/PID/exe, argv from
// /proc/PID/cmdline, libraries from the file-backed executable mappings in /proc/PID/maps. The
// agent fills scriptPath when the executable is an interpreter, and yaraHits after scanning the
// executable and libraries with the policy's compiled signature-set rules.

#include <string>
#include <vector>

namespace mamori::policy {

struct MappedLibrary {
  std::string path;
  std::string sha256;  // lower-case hex; empty when it could not be read
};

struct YaraHit {
  std::string signatureSet;  // P2pSignatureSet::name whose rules matched
  std::string rule;
  std::string path;  // the scanned executable or library
};

struct ProcessFacts {
  std::string comm;  // at most 15 bytes: the kernel truncates
  std::string exePath;
  std::vector<std::string> argv;
  std::string exeSha256;  // lower-case hex; empty when unknown
  std::vector<MappedLibrary> libraries;
  std::string scriptPath;    // the script an interpreter runs; empty when none or unknown
  std::string scriptSha256;  // its SHA-256 (a renamed copy of a known launcher script); empty when unknown
  std::vector<YaraHit> yaraHits;
};

}  // namespace mamori::policy
