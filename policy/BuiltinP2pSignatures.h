#pragma once
// The P2P signature sets that ship with mamori. A policy gets them first in
// p2p_guard.signatureSets unless it says "builtin_signatures": false.

#include <string_view>
#include <vector>

#include "policy/P2pGuardSettings.h"

namespace mamori::policy {

// The JSON array the sets are parsed from (docs, `mamorictl policy builtin`).
std::string_view builtinP2pSignaturesText();

// Parsed and compiled once per process. Aborts if the built-in text does not parse: that is a
// broken build, caught by the unit tests.
const std::vector<P2pSignatureSet>& builtinP2pSignatureSets();

}  // namespace mamori::policy
