#pragma once
// The sandbox worker's side (mamori-extract, or a thread in tests): reads requests from the channel,
// runs extractPieces on each document and sends its pieces back, until the channel closes.

#include <functional>
#include <string_view>

#include "drivers/include/Sandbox.h"

namespace mamori::scan {

// Exit codes of the worker; the parent reads kExitOutOfMemory as "extractor out of memory".
constexpr int kExitClean = 0;          // the parent closed the channel
constexpr int kExitBadRequest = 2;     // a request that does not decode: the parent is not ours
constexpr int kExitOutOfMemory = 3;    // an allocation failed under the address-space limit
constexpr int kExitInternal = 4;       // anything else that must not go on
constexpr int kExitSandboxFailed = 5;  // the confinement could not be applied (mamori-extract's main)

// Test builds hand every document to this first (see extract/main.cpp); empty otherwise.
using DocumentHook = std::function<void(std::string_view document)>;

// Serves until the channel closes or a request fails; the exit code for the worker.
int serveExtraction(drivers::SandboxChannel& channel, const DocumentHook& hook = {});

}  // namespace mamori::scan
