#pragma once
// The evidence part of p2p.* events, written the same way by the guard (after the exec) and the exec
// guard (before it): each matched signal, and the libraries that carried evidence.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "policy/P2pMatcher.h"
#include "policy/ProcessFacts.h"

namespace mamori::agent::p2p {

Poco::JSON::Array::Ptr signalsJson(const policy::P2pVerdict& verdict);  // p2p.signals
Poco::JSON::Array::Ptr evidenceLibrariesJson(const policy::ProcessFacts& facts,
                                             const policy::P2pVerdict& verdict);  // process.libraries
// The script an interpreter runs or the Windows program Wine runs (process.script, process.wine:
// true), and the PE version resource read from the executable or that program (ECS process.pe.*).
void addProgramJson(Poco::JSON::Object& details, const policy::ProcessFacts& facts);

}  // namespace mamori::agent::p2p
