// The capability over the fake source: events reach the sink on the main thread, evidence is chained
// into an incident by event id, mode off stops the watcher.
#include <fcntl.h>

#include <QCoreApplication>
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/activity/ActivityCapability.h"
#include "drivers/fake/FakeFileActivitySource.h"
#include "drivers/fake/FakePrintSpooler.h"
#include "policy/DefaultPolicy.h"
#include "tests/support/CallbackEventSink.h"
#include "tests/support/TempDir.h"

using namespace mamori;
using namespace mamori::agent::activity;

namespace {

QCoreApplication& qtApp() {
  static int argc = 1;
  static char name[] = "activity-test";
  static char* argv[] = {name, nullptr};
  static QCoreApplication app(argc, argv);
  return app;
}

struct Emitted {
  std::string id;
  std::string type;
  Poco::JSON::Object::Ptr details;
};

template <typename Pred>
bool waitFor(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  return true;
}

// What `cp` (pid 77) did to path at time t.
drivers::FileActivity byCp(drivers::FileOp op, const std::string& path, std::int64_t t) {
  drivers::FileActivity a;
  a.op = op;
  a.pid = 77;
  a.processName = "cp";
  a.path = path;
  a.size = static_cast<std::int64_t>(std::filesystem::file_size(path));
  a.timeMs = t;
  if (op == drivers::FileOp::kWritten) a.fd = common::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  return a;
}

drivers::FileActivity written(const std::string& path, std::int64_t t) {
  return byCp(drivers::FileOp::kWritten, path, t);
}

}  // namespace

TEST_CASE("capability: removable and cloud writes of one user open an incident naming both events") {
  qtApp();
  testsupport::TempDir dir("mamori-activity-cap");
  const std::string usb = dir.path() + "/usb";
  const std::string cloud = dir.path() + "/Dropbox";
  std::filesystem::create_directories(usb);
  std::filesystem::create_directories(cloud);
  drivers::fake::FakeFileActivitySource source;
  drivers::MountEntry stick;
  stick.mountPoint = usb;
  source.setMounts({stick});

  std::vector<Emitted> events;
  int n = 0;
  std::int64_t now = 1'800'000'000'000;
  testsupport::CallbackEventSink sink([&](const std::string& type, common::Severity, Poco::JSON::Object::Ptr details) {
    events.push_back({"event-" + std::to_string(++n), type, std::move(details)});
    return events.back().id;
  });
  ActivityCapability capability(
      source, sink, [] { return std::vector<std::string>{}; }, [&] { return now; },
      [] { return std::string("incident-1"); });

  policy::Policy policy = policy::builtinPolicy();
  policy.activity.watched = {dir.path()};
  policy.activity.removableMounts = {usb};
  policy.activity.cloudSyncFolders = {cloud};
  policy.activity.printing.enabled = false;
  policy.contentScan.schedule.onChange = false;
  REQUIRE(capability.apply(policy));
  CHECK(source.watchCalls() == 1);
  const auto roots = source.roots();  // a copy: begin and end of one vector
  CHECK(std::find(roots.begin(), roots.end(), usb) != roots.end());

  std::ofstream(usb + "/plan.txt") << "社外秘 merger\n";
  std::ofstream(cloud + "/plan.txt") << "社外秘 merger\n";
  source.push(written(usb + "/plan.txt", now));
  source.push(written(cloud + "/plan.txt", now + 1000));
  REQUIRE(waitFor([&] { return events.size() >= 3; }));
  CHECK(events[0].type == "activity.removable_write");
  CHECK(events[1].type == "activity.cloud_sync_write");
  REQUIRE(events[2].type == "incident.opened");
  const auto& incident = events[2].details;
  CHECK(incident->getValue<std::string>("incident.id") == "incident-1");
  CHECK(incident->getValue<std::int64_t>("incident.score") == 70);
  auto chain = incident->getArray("incident.evidence");
  REQUIRE(chain->size() == 2);
  CHECK(chain->getObject(0)->getValue<std::string>("event.id") == events[0].id);
  CHECK(chain->getObject(1)->getValue<std::string>("event.id") == events[1].id);

  // Mode off for both activity and on-change scans: the watcher is stopped.
  policy.activity.mode = policy::Mode::kOff;
  REQUIRE(capability.apply(policy));
  CHECK_FALSE(capability.running());
}

// A stick watched by a running capability; events it reports are kept in order.
struct StickFixture {
  testsupport::TempDir dir{"mamori-activity-stick"};
  std::string usb = dir.path() + "/usb";
  drivers::fake::FakeFileActivitySource source;
  std::vector<Emitted> events;
  std::int64_t now = 1'800'000'000'000;
  testsupport::CallbackEventSink sink{[this](const std::string& type, common::Severity, Poco::JSON::Object::Ptr d) {
    events.push_back({"", type, std::move(d)});
  }};
  ActivityCapability capability{source, sink, [] { return std::vector<std::string>{}; }, [this] { return now; },
                                [] { return std::string("incident-1"); }};

  StickFixture() {
    qtApp();
    std::filesystem::create_directories(usb);
    drivers::MountEntry stick;
    stick.mountPoint = usb;
    source.setMounts({stick});
    policy::Policy policy = policy::builtinPolicy();
    policy.activity.watched = {dir.path()};
    policy.activity.removableMounts = {usb};
    policy.activity.printing.enabled = false;
    policy.contentScan.schedule.onChange = false;
    REQUIRE(capability.apply(policy));
  }
};

TEST_CASE("capability: a copy's source that arrives after a pause is still named, while the writer runs") {
  // cp closes the copy before the original; on a busy PC it can be paused between the two closes.
  StickFixture f;
  const std::string original = f.dir.path() + "/plan.txt";
  std::ofstream(original) << "社外秘 merger\n";
  std::ofstream(f.usb + "/plan.txt") << "社外秘 merger\n";
  f.source.setRunning(77, true);
  f.source.push(written(f.usb + "/plan.txt", f.now));
  // The original's read comes 150 ms later (far beyond a batch's 20 ms wait), then cp ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the pause being simulated, not a wait
  f.source.push(byCp(drivers::FileOp::kRead, original, f.now));
  f.source.setRunning(77, false);
  REQUIRE(waitFor([&] { return !f.events.empty(); }));
  CHECK(f.events[0].type == "activity.removable_write");
  CHECK(f.events[0].details->optValue<std::string>("source.path", "") == original);
}

TEST_CASE("capability: a write of a process that has ended is judged without waiting for reads") {
  StickFixture f;
  std::ofstream(f.usb + "/plan.txt") << "社外秘 merger\n";
  f.source.push(written(f.usb + "/plan.txt", f.now));  // pid 77 is not running
  REQUIRE(waitFor([&] { return !f.events.empty(); }));
  CHECK(f.events[0].type == "activity.removable_write");
  CHECK_FALSE(f.events[0].details->has("source.path"));
}

TEST_CASE("capability: printing enforce runs the print gate; its refusals are events on the main thread") {
  qtApp();
  testsupport::TempDir dir("mamori-activity-print");
  drivers::fake::FakeFileActivitySource source;
  drivers::fake::FakePrintSpooler spooler;
  spooler.addPrinter("office");
  std::vector<Emitted> events;
  testsupport::CallbackEventSink sink([&](const std::string& type, common::Severity, Poco::JSON::Object::Ptr details) {
    events.push_back({"", type, std::move(details)});
  });
  ActivityCapability capability(
      source, sink, [] { return std::vector<std::string>{}; }, [] { return std::int64_t{1'800'000'000'000}; },
      [] { return std::string("incident-1"); });
  policy::Policy policy = policy::builtinPolicy();
  policy.activity.watched = {dir.path()};
  policy.activity.printing.mode = policy::Mode::kEnforce;
  policy.activity.printing.server = "/run/test/cups.sock";
  policy.contentScan.schedule.onChange = false;

  // Without a scheduler the agent says so instead of pretending to hold jobs.
  const auto refused = capability.apply(policy);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().describe().find("printing.mode enforce") != std::string::npos);

  capability.setPrintSpooler(&spooler);
  REQUIRE(capability.apply(policy));
  CHECK(capability.printGateRunning());
  // The spool is the gate's now, not the file watcher's.
  const auto roots = source.roots();
  CHECK(std::find(roots.begin(), roots.end(), policy.activity.printing.spoolDir) == roots.end());
  REQUIRE(waitFor([&] { return spooler.holdDefault("office") == "indefinite"; }));
  CHECK(spooler.server() == "/run/test/cups.sock");
  const auto job = spooler.submit("office", {"社外秘 merger\n"}, "alice", "plan.txt");
  REQUIRE(waitFor([&] { return !events.empty(); }));
  CHECK(events[0].type == "activity.print_blocked");
  CHECK(events[0].details->getValue<std::int64_t>("print.job_id") == job);
  CHECK(spooler.job(job).state == drivers::PrintJobState::kCanceled);

  // Back to audit: the queue's default goes back, the gate stops.
  policy.activity.printing.mode = policy::Mode::kAudit;
  REQUIRE(capability.apply(policy));
  CHECK_FALSE(capability.printGateRunning());
  CHECK(spooler.holdDefault("office") == "no-hold");
}
