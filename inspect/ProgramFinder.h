#pragma once
// Installed P2P software: executables and AppImages in the usual places, Windows clients (Winny,
// Share, Perfect Dark ...) inside Wine prefixes. Each candidate's bytes go through P2pRecognizer, so
// a renamed copy is found by hash or YARA rule, not only by name.

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "inspect/Findings.h"
#include "inspect/P2pRecognizer.h"

namespace mamori::inspect {

struct ProgramFolder {
  std::string path;
  int depth = 0;  // how many folder levels below path are searched
  // Only what a file is (its hash, YARA rules, the libraries it needs, its version resource) makes
  // a finding here, not its name: anything in a project or temporary folder may be called "share".
  bool byContentOnly = false;
};

// /usr/bin, /usr/local/bin, /usr/games, /opt (when system is true) and per home ~/.local/bin,
// ~/bin, ~/Applications, ~/Downloads, ~/Desktop, ~/.wine/drive_c and winetricks prefixes; then,
// by content only, the rest of each home (12 levels: a renamed copy in ~/.cache/x or a project
// folder) and, when system is true, /tmp, /var/tmp and /dev/shm.
std::vector<ProgramFolder> defaultProgramFolders(const std::vector<std::string>& homes, bool system);

// How much of an executable YARA and the ELF reader look at (AppImages of Electron clients are
// ~150 MiB); a larger file is hashed whole and looked at this far, not skipped.
inline constexpr std::int64_t kMaxProgramBytes = 256LL << 20;

// Whether a candidate (executable bits, .exe or .AppImage name) is worth reading whole, decided by
// its first bytes (kProgramHeaderBytes of them, fewer for a shorter file): an ELF, PE ("MZ") or "#!"
// header, or an AppImage's name. Data files with the executable bit (a FAT stick's photos, a
// project's assets) are then not read, hashed and scanned for nothing: the P2P rules, the ELF
// reader and the version resource look at those three formats only.
inline constexpr std::size_t kProgramHeaderBytes = 4;
bool worthReadingWhole(std::string_view firstBytes, std::string_view fileName);

// Each file read whole is passed to onRead (path, bytes read) when given: the tool's progress line.
using ProgramReadCallback = std::function<void(const std::string& path, std::int64_t bytes)>;
void findInstalledPrograms(const std::vector<ProgramFolder>& folders, P2pRecognizer& recognizer,
                           std::vector<Finding>& findings, std::vector<NotInspected>& skipped,
                           const std::atomic<bool>* stop, const ProgramReadCallback& onRead = nullptr);

}  // namespace mamori::inspect
