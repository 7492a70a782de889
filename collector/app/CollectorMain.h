#pragma once
// The composition root of mamori-collector: state directory, secrets, certificate, store, server,
// then wait for SIGTERM/SIGINT. Returns the process exit code (0, 1 or 2, see collectorUsage()).

#include "collector/app/CollectorOptions.h"

namespace mamori::collector::app {

int runCollector(const CollectorOptions& options);

}  // namespace mamori::collector::app
