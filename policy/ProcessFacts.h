#pragma once
// What the process driver knows about a process that starts (or runs). drivers/include's ProcessInfo
// maps onto this: comm from /proc/PID/comm, exePath and exeSha256 from /proc/PID/exe, argv from
// /proc/PID/cmdline, libraries from the file-backed executable mappings in /proc/PID/maps. The
// agent fills scriptPath when the executable is an interpreter, and yaraHits after scanning the
// executable and libraries with the policy's compiled signature-set rules.

#include <string>
#include <vector>

#include "common/PeVersionInfo.h"

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
  // The script an interpreter runs, or the Windows program a Wine loader runs (wineProgram true: Wine
  // interprets PE files); empty when none or unknown.
  std::string scriptPath;
  std::string scriptSha256;  // its SHA-256 (a renamed copy of a known launcher script); empty when unknown
  std::vector<YaraHit> yaraHits;
  bool wineProgram = false;
  // The version resource of the executable or of the Windows program, when it is a PE file that has
  // one (filled with the YARA step: both read the file); peVersionPath says which file.
  std::vector<common::PeVersionString> peVersion{};
  std::string peVersionPath{};
};

}  // namespace mamori::policy
