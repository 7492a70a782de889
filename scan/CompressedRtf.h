#pragma once
// Outlook's compressed RTF (PR_RTF_COMPRESSED, [MS-OXRTFCP]): "LZFu" LZ77 over a 4 KiB dictionary
// primed with a fixed RTF prefix, or "MELA" stored uncompressed. Pure and bounded by maxBytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::scan {

common::Result<std::string> decompressRtf(std::string_view data, std::uint64_t maxBytes);

}  // namespace mamori::scan
