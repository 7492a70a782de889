// The agent's scheduled scans: events from a pass over the generated fixtures (named by "~/" in a home
// directory), nothing repeated for unchanged files on the next pass, nothing at all with mode off.
#include <QCoreApplication>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "agent/contentscan/ContentScanCapability.h"
#include "policy/DefaultPolicy.h"
#include "tests/scan/ScanTestSupport.h"
#include "tests/support/CallbackEventSink.h"

using namespace mamori;
using namespace mamori::agent::contentscan;
using namespace mamori::scan;

namespace {

QCoreApplication& qtApp() {
  static int argc = 1;
  static char name[] = "scan-test";
  static char* argv[] = {name, nullptr};
  static QCoreApplication app(argc, argv);
  return app;
}

struct Recorded {
  std::string type;
  Poco::JSON::Object::Ptr details;
};

template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  return true;
}

std::size_t count(const std::vector<Recorded>& events, const std::string& type) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.type == type ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a scheduled pass reports matches once, then only changes") {
  qtApp();
  test::TempDir tree;
  test::TempDir state;
  const std::string root = tree.path() + "/tree";
  const std::string command = std::string(MAMORI_SCAN_FIXTURE_COMMAND) + " '" + root + "'";
  REQUIRE(std::system(command.c_str()) == 0);  // NOLINT(concurrency-mt-unsafe): single-threaded test
  policy::Policy policy = policy::builtinPolicy();
  policy.contentScan.paths = {"~/tree"};  // in the one home directory of this PC
  std::vector<Recorded> events;
  testsupport::CallbackEventSink sink([&](const std::string& type, common::Severity, Poco::JSON::Object::Ptr d) {
    events.push_back({type, std::move(d)});
  });
  ContentScanCapability capability(
      state.path(), sink, [&tree] { return std::vector<std::string>{tree.path()}; }, 0);
  policy.agentLimits.cpuPercent = 100;  // the budget paces the pass without slowing this test
  REQUIRE(capability.apply(policy).ok());
  CHECK(capability.cpuBudget()->limitPercent() == 100);
  REQUIRE(waitFor([&] { return count(events, "content.scan_completed") == 1; }));
  CHECK(capability.cpuBudget()->paceCalls() > 0);  // the agent's scans go through the budget
  // As many matches and not-inspected files as the fixture script's expected table lists.
  std::size_t expectedMatches = 0;
  std::size_t expectedNotInspected = 0;
  std::istringstream table(mamori::scan::test::readFile(root + "/expected.tsv"));
  for (std::string line; std::getline(table, line);) {
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 == std::string::npos ? tab1 : tab1 + 1);
    if (tab2 == std::string::npos) continue;  // path, matches, reasons
    if (tab2 > tab1 + 1) ++expectedMatches;
    if (tab2 + 1 < line.size()) ++expectedNotInspected;
  }
  CHECK(expectedMatches >= 20);
  CHECK(count(events, "content.match") == expectedMatches);
  CHECK(count(events, "content.not_inspected") == expectedNotInspected);
  bool sawDocx = false;
  for (const auto& e : events) {
    if (e.type != "content.match" || e.details->getValue<std::string>("file.path") != root + "/office/split_runs.docx")
      continue;
    sawDocx = true;
    CHECK(e.details->getValue<std::string>("file.hash.sha256").size() == 64);
    auto match = e.details->getArray("content.matches")->getObject(0);
    CHECK(match->getValue<std::string>("container_path") == root + "/office/split_runs.docx!word/document.xml");
    CHECK(match->getValue<std::string>("name") == "company-confidential:confidential_marking_ja");
  }
  CHECK(sawDocx);

  events.clear();
  capability.scanNow();
  REQUIRE(waitFor([&] { return count(events, "content.scan_completed") == 1; }));
  CHECK(count(events, "content.match") == 0);
  CHECK(events.back().details->getValue<std::int64_t>("content.files_read") == 0);
}

TEST_CASE("mode off scans nothing") {
  qtApp();
  test::TempDir state;
  policy::Policy policy = policy::builtinPolicy();
  policy.contentScan.mode = policy::Mode::kOff;
  policy.contentScan.paths = {state.path()};
  std::vector<std::string> types;
  testsupport::CallbackEventSink sink(
      [&](const std::string& type, common::Severity, const Poco::JSON::Object::Ptr&) { types.push_back(type); });
  ContentScanCapability capability(
      state.path(), sink, [] { return std::vector<std::string>{}; }, 0);
  REQUIRE(capability.apply(policy).ok());
  capability.scanNow();
  CHECK_FALSE(waitFor([&] { return !types.empty(); }, std::chrono::milliseconds(300)));
  CHECK_FALSE(capability.scanning());
}
