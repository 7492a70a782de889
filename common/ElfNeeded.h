#pragma once
// The shared libraries an ELF executable asks for (DT_NEEDED). Debian's aria2c is a 14 KiB stub over
// libaria2.so.0: a renamed copy has neither the name nor any BitTorrent vocabulary of its own, but it
// still needs libaria2, whose hash and YARA hits the P2P matcher knows. Pure parser of untrusted
// bytes (fuzzed): 32- and 64-bit little-endian ELF; anything else is an error, never a crash.

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::common {

common::Result<std::vector<std::string>> elfNeededLibraries(std::string_view bytes);

// Where each needed library is, resolved as the inspection tool and the agent's exec guard both do
// it: the executable's own folder first (a copy carried beside its libraries), then the system's
// library folders, each under root ("" on a real machine; tests pass a temp tree). The C and C++
// runtimes and the loader are left out: every program needs them, so they say nothing about it.
// Names holding a '/' are left out too. Returns real paths (symbolic links followed), in the order
// of needed; a library found nowhere is left out.
std::vector<std::string> resolveNeededLibraries(const std::string& exePath, const std::vector<std::string>& needed,
                                                const std::string& root = "");

}  // namespace mamori::common
