#pragma once
// Archives by their first bytes (never their name), and whether they are encrypted. Pure: the bytes of
// a file in, a description out; fuzzed (tests/fuzz/fuzz_activity_parsers.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace mamori::agent::activity {

struct ArchiveFormat {
  std::string format;  // "zip", "7z", "rar", "tar", "gzip"
  bool encrypted = false;
};

// data: the whole file (zip needs its central directory, 7z its end header), or as much of it as
// was read; a prefix still names the format, encryption may then be missed.
// - zip: any member with the encryption bit (general-purpose flag bit 0) or AES (method 99).
// - 7z: the header or the streams use the AES-256 coder (id 06 F1 07 01).
// - rar: RAR5 archive encryption header, RAR4 main header "password" flag or file "password" flag.
std::optional<ArchiveFormat> identifyArchive(std::string_view data);

}  // namespace mamori::agent::activity
