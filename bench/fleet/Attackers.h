#pragma once
// Connections that hold the collector without doing honest work: idle TLS (handshake, then silence),
// raw TCP (no TLS hello) and slowloris (request headers trickled one line at a time). Each attacker
// reopens its connection a second after the collector closes it, so the pressure stays for the run.

#include <boost/asio/awaitable.hpp>

#include "bench/fleet/FleetContext.h"

namespace mamori::bench {

enum class AttackKind { IdleTls, RawTcp, Slowloris };

// Runs one attacker until the run ends; its connection's fate goes to the context's AttackerStats.
boost::asio::awaitable<void> runAttacker(FleetContext& context, AttackKind kind, int index);

// GET /healthz on a new connection every --probe-interval seconds: does a newcomer get served?
boost::asio::awaitable<void> runHealthProbe(FleetContext& context);

}  // namespace mamori::bench
