#pragma once

#include <string_view>

namespace mamori::common {

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). PostgreSQL refuses anything
// else in text columns, so outside input is checked before it is stored.
bool isValidUtf8(std::string_view text);

}  // namespace mamori::common
