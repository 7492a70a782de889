#pragma once
// Which Windows program a Wine process runs. Wine is an interpreter of PE files: the exec is of its
// loader (wine, wine64, or their preloaders); the program is named in argv, as the user typed it
// ("./Winny.exe", "/home/u/share/Share.exe") or as Windows names it ("C:\\Program Files\\x.exe",
// "Z:\\tmp\\x.exe" when another Windows program started it). The loader opens and maps that file
// later, after its own start: the name in argv is what can be known at the exec
// (docs/decisions/0036).

#include <string>
#include <string_view>
#include <vector>

#include "drivers/include/Process.h"
#include "drivers/include/ProcessSource.h"
#include "policy/ProcessFacts.h"

namespace mamori::agent::p2p {

// wine, wine64, wine-preloader, wine64-preloader, wine-stable ... by the file's base name.
bool isWineLoader(std::string_view path);

// The program argument of a Wine process: after the loader and preloader entries when argv[0] is
// one of them (the exec), else argv[0] itself when exePath is a loader (Wine rewrites its argv to
// the program's once running). Empty when it names none (wine64 --version). Wine's `start`
// (`wine start /unix ./x.exe`, and the `start.exe /exec NAME` Wine runs itself when it did not find
// NAME) stands for the program it starts, named after its options.
std::string wineProgramArgument(std::string_view exePath, const std::vector<std::string>& argv);

// That argument as a path on this machine: "X:\\..." through <prefix>/dosdevices/x: (Wine's drive
// links; "\\\\?\\" and "\\??\\" prefixes dropped), a relative name from cwd, "/..." as is.
// prefix is WINEPREFIX, or $HOME/.wine when unset; without one only absolute and relative names
// resolve. Empty when it cannot be resolved. Pure.
std::string wineProgramPath(std::string_view argument, std::string_view cwd, std::string_view prefix);

// Where Wine looks for a program named without a folder (`wine notepad`, `wine Share.exe`), in its
// order (checked with Wine 8: a name found in none of them is handed to start.exe, which starts it
// as a child process named by its full path): the prefix's C:\windows\system32, the working
// directory, C:\windows\system, C:\windows. "NAME.exe" when NAME has no extension, as Wine does.
// Empty for a name with a folder in it, or without a prefix or working directory. Pure.
std::vector<std::string> wineSearchPath(std::string_view name, std::string_view cwd, std::string_view prefix);

// The first of those that exists, the file name compared without case as Wine does (exact name
// first; a folder is listed only when that misses). Empty when none does.
std::string findOnWineSearchPath(std::string_view name, std::string_view cwd, std::string_view prefix);

// Both for a running (or exec-ing) process: its argv and exe, its working directory and environment
// read through processes; a name without a folder found on Wine's search path. Empty when it is no
// Wine process or names no program.
std::string wineProgramOf(const drivers::ProcessSource& processes, const drivers::ProcessInfo& process);

// For a Wine process: its program as facts' script (hashed and scanned like one), wineProgram set.
void addWineProgram(const drivers::ProcessSource& processes, const drivers::ProcessInfo& process,
                    policy::ProcessFacts& facts);

}  // namespace mamori::agent::p2p
