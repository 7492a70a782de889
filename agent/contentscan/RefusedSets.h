#pragma once
// The set files this agent refused (docs/decisions/0047), kept in <state>/content-sets/refused.json so
// that a refused file is not downloaded again at every poll, nor after a restart, until the
// collector holds a different one: per set, the version the file claimed, the collector's tag of it
// (ETag: sent back as If-None-Match, the collector answers 304 while it still holds that file), the
// SHA-256 of the bytes (reported once) and why it was refused. Pure: text in, entries out.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace mamori::agent::contentscan {

struct RefusedSet {
  std::int64_t version = 0;  // as the refused file claims (0: unreadable)
  std::string etag;          // the collector's tag of the file ("" when it sent none)
  std::string sha256;        // of the refused bytes
  std::string error;         // why
};

// Keyed "kind/name" ("edm/customers").
using RefusedSets = std::map<std::string, RefusedSet>;

inline constexpr std::size_t kMaxRefusedFileBytes = 256U << 10U;

std::string refusedSetsJson(const RefusedSets& refused);
// A damaged file is an error (the caller starts without it: at worst a refused file is fetched again).
common::Result<RefusedSets> parseRefusedSets(std::string_view text);

}  // namespace mamori::agent::contentscan
