// What lifts the print gate's holds when the agent cannot (agent/activity/PrintRelease): the note the
// agent keeps and its hostile forms, and the release over the fake spooler (queues back to no-hold,
// the waiting jobs released, a user's own hold for a time of day and a job still arriving left alone).
// The real scheduler and the command: tests/integration/test_print_gate.py.
#include <doctest/doctest.h>

#include "agent/activity/PrintRelease.h"
#include "drivers/fake/FakePrintSpooler.h"

using namespace mamori;
using namespace mamori::agent::activity;
using drivers::PrintJobState;

TEST_CASE("the print gate's note: written, read back, hostile forms refused with the line") {
  for (const PrintGateNote& note : {PrintGateNote{true, "/run/cups/cups.sock"}, PrintGateNote{false, ""}}) {
    const auto back = parsePrintGateNote(printGateNoteText(note));
    REQUIRE(back.ok());
    CHECK(back.value() == note);
  }
  CHECK_FALSE(parsePrintGateNote("").ok());
  CHECK_FALSE(parsePrintGateNote("server=/x\n").ok());  // no fail mode: nothing is assumed
  const auto bad = parsePrintGateNote("fail=open\nfail=maybe\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == "line 2");
  CHECK_FALSE(parsePrintGateNote("fail=open\nserver=" + std::string(5000, 'x') + "\n").ok());
  CHECK_FALSE(parsePrintGateNote(std::string("fail=open\0\n", 11)).ok());
}

TEST_CASE("release: queues back to no-hold, waiting jobs released, others left") {
  drivers::fake::FakePrintSpooler spooler;
  spooler.addPrinter("office", "indefinite");
  spooler.addPrinter("floor", "indefinite");
  spooler.addPrinter("lab", "no-hold");
  const auto waiting = spooler.submit("office", {"a"});
  const auto alsoWaiting = spooler.submit("floor", {"b"});
  const auto tonight = spooler.submit("office", {"c"}, "alice", "doc", "23:00");  // the user's own hold
  const auto arriving = spooler.submit("office", {"d"});
  spooler.setReasons(arriving, {"job-incoming"});
  const auto released = releasePrintHolds(spooler);
  REQUIRE(released.ok());
  CHECK(released.value() == 2);
  CHECK(spooler.holdDefault("office") == "no-hold");
  CHECK(spooler.holdDefault("floor") == "no-hold");
  CHECK(spooler.holdDefault("lab") == "no-hold");
  CHECK(spooler.job(waiting).state == PrintJobState::kPending);
  CHECK(spooler.job(alsoWaiting).state == PrintJobState::kPending);
  CHECK(spooler.job(tonight).state == PrintJobState::kHeld);
  CHECK(spooler.job(arriving).state == PrintJobState::kHeld);
  // Again: nothing left to do, nothing changed.
  const auto calls = spooler.calls().size();
  CHECK(releasePrintHolds(spooler).value() == 0);
  CHECK(spooler.calls().size() == calls);

  spooler.setDown(true);
  CHECK_FALSE(releasePrintHolds(spooler).ok());
}
