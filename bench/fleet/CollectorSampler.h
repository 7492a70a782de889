#pragma once
// Samples the collector's CPU and resident memory once a second from /proc/<pid> (through the
// drivers' ProcessUsage source), with the PID given or re-read from a file at each sample, so a
// collector restarted after an outage is followed.

#include <boost/asio/awaitable.hpp>

#include "bench/fleet/FleetContext.h"

namespace mamori::bench {

boost::asio::awaitable<void> sampleCollector(FleetContext& context);

}  // namespace mamori::bench
