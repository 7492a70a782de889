#pragma once
// The ways isValidUtf8 can check text (common/Utf8Check.cpp): it takes the fastest this CPU has;
// tests and the fuzz target run every available one against the others.

#include <string_view>

namespace mamori::common {

enum class Utf8Path {
  kBytewise,  // any CPU; texts under 32 bytes on every path
  kSse2,      // 16-byte blocks, compares (every x86-64 CPU)
  kSsse3,     // 16-byte blocks, table lookups (pshufb)
  kAvx2,      // 32-byte blocks, table lookups
};

bool utf8PathAvailable(Utf8Path path);
bool isValidUtf8On(Utf8Path path, std::string_view text);

}  // namespace mamori::common
