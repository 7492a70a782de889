// HandshakeGate: the per-address cap on handshakes in progress, as a pure object.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "collector/server/HandshakeGate.h"

using mamori::collector::server::HandshakeGate;

TEST_CASE("an address's handshakes beyond its cap wait in order; other addresses start at once") {
  HandshakeGate gate(2);
  std::vector<std::string> started;
  auto start = [&](const std::string& name) { return [&started, name] { started.push_back(name); }; };
  gate.enter("10.0.0.1", start("a1"));
  gate.enter("10.0.0.1", start("a2"));
  gate.enter("10.0.0.1", start("a3"));
  gate.enter("10.0.0.1", start("a4"));
  gate.enter("10.0.0.2", start("b1"));
  CHECK(started == std::vector<std::string>{"a1", "a2", "b1"});
  CHECK(gate.waiting() == 2);
  CHECK(gate.inProgress() == 3);
  gate.leave("10.0.0.2");  // frees 10.0.0.2's slot, starts nothing of 10.0.0.1's
  CHECK(started.size() == 3);
  gate.leave("10.0.0.1");  // the slot goes straight to the first waiter
  CHECK(started.back() == "a3");
  CHECK(gate.inProgress() == 2);
  gate.leave("10.0.0.1");
  CHECK(started.back() == "a4");
  CHECK(gate.waiting() == 0);
  gate.leave("10.0.0.1");
  gate.leave("10.0.0.1");
  CHECK(gate.inProgress() == 0);
}

TEST_CASE("a leave without an enter changes nothing, and cap 0 never makes anyone wait") {
  HandshakeGate capped(1);
  capped.leave("10.0.0.9");
  int runs = 0;
  capped.enter("10.0.0.9", [&] { ++runs; });
  capped.enter("10.0.0.9", [&] { ++runs; });
  CHECK(runs == 1);
  CHECK(capped.waiting() == 1);

  HandshakeGate open(0);
  for (int i = 0; i < 1000; ++i) open.enter("10.0.0.1", [&] { ++runs; });
  CHECK(runs == 1001);
  CHECK(open.waiting() == 0);
}
