// The print gate over the fake spooler, one pass at a time on the test's thread (no gate thread):
// holds on every queue, company jobs cancelled with their evidence, personal ones released, jobs sent
// past the hold caught, documents that cannot be inspected under both fail modes, the end of
// enforcement, and a scheduler that is down. The real scheduler: tests/integration/test_print_gate.py.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "agent/activity/PrintGate.h"
#include "drivers/fake/FakePrintSpooler.h"
#include "policy/DefaultPolicy.h"

using namespace mamori;
using namespace mamori::agent::activity;
using drivers::PrintJobState;

namespace {

constexpr char kCompany[] = "社外秘: 2027 merger plan\n";
constexpr char kPersonal[] = "eggs, rice, green tea\n";

struct Gate {
  drivers::fake::FakePrintSpooler spooler;
  std::vector<Finding> findings;
  std::int64_t now = 1'000'000;
  PrintGate gate{spooler,
                 [this](std::vector<Finding> more) { findings.insert(findings.end(), more.begin(), more.end()); },
                 [this] { return now; }};

  explicit Gate(bool failOpen = false, std::int64_t maxFileBytes = 1 << 20) {
    spooler.addPrinter("office");
    PrintGateConfig config;
    config.enforce = true;
    config.failOpen = failOpen;
    config.server = "/run/test/cups.sock";
    config.spoolDir = "/spool";
    config.scan = scan::ScanConfig::fromPolicy(policy::builtinPolicy().contentScan);
    config.scan.maxFileBytes = maxFileBytes;
    gate.configure(config, scan::ContentInspector::create(config.scan).value());
  }
  void pass() {
    now += 10'000;  // every pass also looks at the queues
    gate.pass();
  }
  std::vector<const Finding*> of(const std::string& type) const {
    std::vector<const Finding*> out;
    for (const auto& f : findings) {
      if (f.type == type) out.push_back(&f);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("print gate: every queue holds new jobs; a company job is cancelled with evidence, a personal one released") {
  Gate g;
  g.pass();
  CHECK(g.spooler.server() == "/run/test/cups.sock");
  CHECK(g.spooler.holdDefault("office") == "indefinite");

  const auto company = g.spooler.submit("office", {kCompany}, "alice", "plan.pdf");
  const auto personal = g.spooler.submit("office", {kPersonal}, "bob", "shopping.txt");
  CHECK(g.spooler.job(company).state == PrintJobState::kHeld);
  g.pass();
  CHECK(g.spooler.job(company).state == PrintJobState::kCanceled);
  CHECK(g.spooler.job(personal).state == PrintJobState::kPending);
  CHECK(g.spooler.job(personal).holdUntil == "no-hold");

  const auto blocked = g.of("activity.print_blocked");
  REQUIRE(blocked.size() == 1);
  const auto& d = blocked[0]->details;
  CHECK(blocked[0]->severity == common::Severity::High);
  CHECK(d->getValue<std::int64_t>("print.job_id") == company);
  CHECK(d->getValue<std::string>("print.printer") == "office");
  CHECK(d->getValue<std::string>("print.title") == "plan.pdf");
  CHECK(d->getValue<std::string>("print.reason") == "company_document");
  CHECK(d->getValue<bool>("print.cancelled"));
  CHECK(d->getValue<std::string>("user.name") == "alice");
  CHECK(d->getValue<std::string>("file.hash.sha256").size() == 64);
  CHECK(d->getArray("content.matches")->size() >= 1);
  REQUIRE(blocked[0]->evidence);
  CHECK(blocked[0]->evidence->user == "alice");
  CHECK(blocked[0]->evidence->weight == incidentWeight("activity.print_blocked", false));

  // Judged once: later passes leave both alone.
  g.pass();
  CHECK(g.of("activity.print_blocked").size() == 1);
  int releases = 0;
  for (const auto& call : g.spooler.calls()) releases += call.operation == "release" ? 1 : 0;
  CHECK(releases == 1);
}

TEST_CASE("print gate: a job with a company document among several is refused") {
  Gate g;
  g.pass();
  const auto job = g.spooler.submit("office", {kPersonal, kCompany});
  g.pass();
  CHECK(g.spooler.job(job).state == PrintJobState::kCanceled);
}

TEST_CASE("print gate: a job sent past the hold is held, then judged; older jobs are left alone") {
  Gate g;
  const auto before = g.spooler.submit("office", {kCompany}, "alice", "old", "no-hold");  // before the gate
  g.pass();
  CHECK(g.spooler.job(before).state == PrintJobState::kPending);  // released by an earlier agent, say
  const auto past = g.spooler.submit("office", {kCompany}, "alice", "sneaky", "no-hold");
  const auto personalPast = g.spooler.submit("office", {kPersonal}, "bob", "fine", "no-hold");
  g.pass();
  CHECK(g.spooler.job(past).state == PrintJobState::kCanceled);
  CHECK(g.spooler.job(personalPast).state == PrintJobState::kPending);
  CHECK(g.spooler.job(before).state == PrintJobState::kPending);
  bool heldFirst = false;
  for (const auto& call : g.spooler.calls())
    heldFirst = heldFirst || (call.operation == "hold" && call.subject == std::to_string(past));
  CHECK(heldFirst);
}

TEST_CASE("print gate: a personal job the user holds until a time stays held; documents still arriving wait") {
  Gate g;
  g.pass();
  const auto evening = g.spooler.submit("office", {kPersonal}, "bob", "later", "evening");
  const auto incoming = g.spooler.submit("office", {kCompany});
  g.spooler.setReasons(incoming, {"job-incoming"});  // Create-Job done, Send-Document not yet
  g.pass();
  CHECK(g.spooler.job(evening).state == PrintJobState::kHeld);
  CHECK(g.spooler.job(evening).holdUntil == "evening");
  CHECK(g.spooler.job(incoming).state == PrintJobState::kHeld);
  g.spooler.setReasons(incoming, {"job-hold-until-specified"});
  g.pass();
  CHECK(g.spooler.job(incoming).state == PrintJobState::kCanceled);
}

TEST_CASE("print gate: a job without documents yet waits; one listed before its file is looked for again") {
  Gate g;
  g.pass();
  const auto created = g.spooler.submit("office", {});  // Create-Job, no Send-Document yet
  g.pass();
  CHECK(g.spooler.job(created).state == PrintJobState::kHeld);
  CHECK(g.spooler.calls().size() == 1);      // the queue's default only
  g.spooler.addDocument(created, "", true);  // listed, file not there yet
  g.pass();
  CHECK(g.spooler.job(created).state == PrintJobState::kHeld);
  CHECK(g.findings.empty());
  g.spooler.fileDocuments(created, {kCompany});
  g.pass();
  CHECK(g.spooler.job(created).state == PrintJobState::kCanceled);
}

TEST_CASE("print gate: a document sent after the verdict is held and judged too") {
  Gate g;
  g.pass();
  const auto job = g.spooler.submit("office", {kPersonal});
  g.pass();
  CHECK(g.spooler.job(job).state == PrintJobState::kPending);  // released after the first document
  g.spooler.addDocument(job, kCompany);                        // the second one, later
  g.pass();
  CHECK(g.spooler.job(job).state == PrintJobState::kCanceled);
  REQUIRE(g.of("activity.print_blocked").size() == 1);
}

TEST_CASE("print gate: a document that cannot be inspected is cancelled under fail closed, released under fail open") {
  SUBCASE("closed") {
    Gate g(false, 8);
    g.pass();
    const auto job = g.spooler.submit("office", {kPersonal});
    g.pass();
    CHECK(g.spooler.job(job).state == PrintJobState::kCanceled);
    const auto blocked = g.of("activity.print_blocked");
    REQUIRE(blocked.size() == 1);
    CHECK(blocked[0]->details->getValue<std::string>("print.reason") == "not_inspected");
    CHECK(blocked[0]->details->getArray("content.not_inspected")->size() == 1);
  }
  SUBCASE("open") {
    Gate g(true, 8);
    g.pass();
    const auto job = g.spooler.submit("office", {kPersonal});
    g.pass();
    CHECK(g.spooler.job(job).state == PrintJobState::kPending);
    CHECK(g.of("activity.print_blocked").empty());
    REQUIRE(g.of("activity.print_uninspected").size() == 1);
  }
}

TEST_CASE("print gate: the end of enforcement puts the defaults back and releases the jobs still waiting") {
  Gate g;
  g.spooler.addPrinter("lab", "weekend");
  g.pass();
  CHECK(g.spooler.holdDefault("lab") == "indefinite");
  const auto waiting = g.spooler.submit("office", {kPersonal});  // arrives after the last pass
  g.gate.lift();
  CHECK(g.spooler.holdDefault("office") == "no-hold");
  CHECK(g.spooler.holdDefault("lab") == "weekend");
  CHECK(g.spooler.job(waiting).state == PrintJobState::kPending);
}

TEST_CASE("print gate: a queue found holding (an earlier gate's) goes back to no-hold") {
  Gate g;
  g.spooler.addPrinter("office", "indefinite");
  g.pass();
  g.gate.lift();
  CHECK(g.spooler.holdDefault("office") == "no-hold");
}

TEST_CASE("print gate: a scheduler that is down is reported once per outage; jobs are judged when it is back") {
  Gate g;
  g.spooler.setDown(true);
  g.pass();
  g.pass();
  REQUIRE(g.of("activity.print_gate_error").size() == 1);
  CHECK(g.of("activity.print_gate_error")[0]->details->getValue<std::string>("print.fail") == "closed");
  g.spooler.setDown(false);
  g.pass();  // the queues are held now
  const auto job = g.spooler.submit("office", {kCompany});
  g.pass();
  CHECK(g.spooler.job(job).state == PrintJobState::kCanceled);
  g.spooler.setDown(true);
  g.pass();
  CHECK(g.of("activity.print_gate_error").size() == 2);  // a new outage
}

// Waits (polling, with a deadline) for what the gate's thread does.
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

PrintGateConfig enforcing(bool failOpen) {
  PrintGateConfig config;
  config.enforce = true;
  config.failOpen = failOpen;
  config.scan = scan::ScanConfig::fromPolicy(policy::builtinPolicy().contentScan);
  return config;
}

TEST_CASE("print gate: the thread runs passes and stops; fail closed leaves the hold, fail open lifts it") {
  for (const bool failOpen : {false, true}) {
    CAPTURE(failOpen);
    drivers::fake::FakePrintSpooler spooler;
    spooler.addPrinter("office");
    {
      PrintGate gate(
          spooler, [](const std::vector<Finding>&) {}, [] { return std::int64_t{0}; });
      REQUIRE(gate.apply(enforcing(failOpen)));
      CHECK(gate.running());
      REQUIRE(eventually([&] { return spooler.holdDefault("office") == "indefinite"; }));
      const auto job = spooler.submit("office", {kCompany});
      CHECK(eventually([&] { return spooler.job(job).state == PrintJobState::kCanceled; }));
    }  // the agent stops
    CHECK(spooler.holdDefault("office") == (failOpen ? "no-hold" : "indefinite"));
  }
}

TEST_CASE("print gate: apply without enforce stops the gate and lifts the hold") {
  drivers::fake::FakePrintSpooler spooler;
  spooler.addPrinter("office");
  PrintGate gate(
      spooler, [](const std::vector<Finding>&) {}, [] { return std::int64_t{0}; });
  auto config = enforcing(false);
  REQUIRE(gate.apply(config));
  REQUIRE(eventually([&] { return spooler.holdDefault("office") == "indefinite"; }));
  config.enforce = false;
  REQUIRE(gate.apply(config));
  CHECK_FALSE(gate.running());
  CHECK(spooler.holdDefault("office") == "no-hold");
}
