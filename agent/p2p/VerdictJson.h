#pragma once
// The evidence part of p2p.* events, written the same way by the guard (after the exec) and the exec
// guard (before it): each matched signal, and the libraries that carried evidence.

#include <Poco/JSON/Array.h>

#include "policy/P2pMatcher.h"
#include "policy/ProcessFacts.h"

namespace mamori::agent::p2p {

Poco::JSON::Array::Ptr signalsJson(const policy::P2pVerdict& verdict);  // p2p.signals
Poco::JSON::Array::Ptr evidenceLibrariesJson(const policy::ProcessFacts& facts,
                                             const policy::P2pVerdict& verdict);  // process.libraries

}  // namespace mamori::agent::p2p
