#pragma once
// The shared libraries an ELF executable asks for (DT_NEEDED). Debian's aria2c is a 14 KiB stub over
// libaria2.so.0: a renamed copy has neither the name nor any BitTorrent vocabulary of its own, but it
// still needs libaria2, whose hash and YARA hits the P2P matcher knows. Pure parser of untrusted
// bytes (fuzzed): 32- and 64-bit little-endian ELF; anything else is an error, never a crash.

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::inspect {

common::Result<std::vector<std::string>> elfNeededLibraries(std::string_view bytes);

}  // namespace mamori::inspect
