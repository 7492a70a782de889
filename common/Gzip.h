#pragma once
// gzip for upload bodies. Inflation is bounded: a small body that inflates past maxOutput is an error
// (a compression bomb), never a memory exhaustion.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::common {

std::string gzipCompress(std::string_view data, int level = 6);
Result<std::string> gzipDecompress(std::string_view data, std::size_t maxOutput);

}  // namespace mamori::common
