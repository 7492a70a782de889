// What the person at the PC is told: the notice for each event type, and the sink that passes every
// event on and shows a notice at most once a minute per text.

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "agent/report/NotifyingEventSink.h"
#include "agent/report/UserNotice.h"
#include "drivers/fake/FakeDesktopNotifier.h"
#include "drivers/linux/LinuxDesktopNotifier.h"
#include "tests/support/CallbackEventSink.h"

using namespace mamori;

namespace {

Poco::JSON::Object::Ptr details(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
  for (const auto& [key, value] : fields) object->set(key, std::string(value));
  return object;
}

}  // namespace

TEST_CASE("a blocked device tells the user what it was and how to ask for it") {
  auto notice = agent::userNoticeFor(
      "device.blocked", details({{"usb.manufacturer", "SanDisk"},
                                 {"usb.product", "Ultra"},
                                 {"usb.vendor_id", "0781"},
                                 {"usb.product_id", "5581"},
                                 {"device.request_command", "mamori-agent request --device 2-1 --reason \"...\""}}));
  REQUIRE(notice);
  CHECK(notice->summary == "Device blocked by company policy");
  CHECK(notice->body.rfind("SanDisk Ultra (0781:5581) cannot be used on this PC", 0) == 0);
  CHECK(notice->body.find("run: mamori-agent request --device 2-1") != std::string::npos);
  // Without exceptions there is no command: the user is sent to IT.
  auto plain = agent::userNoticeFor("device.blocked", details({{"device.bus", "mmc"}, {"mmc.name", "SD64G"}}));
  REQUIRE(plain);
  CHECK(plain->body.find("The memory card SD64G") == 0);
  CHECK(plain->body.find("Ask your IT department") != std::string::npos);
}

TEST_CASE("a blocked Thunderbolt device and a refused burn are named by their bus, with the request command") {
  auto dock = agent::userNoticeFor(
      "device.blocked", details({{"device.bus", "thunderbolt"},
                                 {"thunderbolt.vendor_name", "OWC"},
                                 {"thunderbolt.device_name", "Envoy Express"},
                                 {"device.request_command", "mamori-agent request --device 0-301 --reason \"...\""}}));
  REQUIRE(dock);
  CHECK(dock->body.rfind("The Thunderbolt device OWC Envoy Express cannot be used on this PC", 0) == 0);
  CHECK(dock->body.find("run: mamori-agent request --device 0-301") != std::string::npos);
  auto unnamed = agent::userNoticeFor(
      "device.blocked",
      details({{"device.bus", "thunderbolt"}, {"thunderbolt.vendor_id", "01e3"}, {"thunderbolt.device_id", "0001"}}));
  CHECK(unnamed->body.rfind("The Thunderbolt device 01e3:0001 cannot", 0) == 0);

  auto burn = agent::userNoticeFor(
      "device.open_refused",
      details({{"device.bus", "scsi"},
               {"optical.vendor", "HL-DT-ST"},
               {"optical.model", "DVDRAM GP57EB40"},
               {"open.access", "write"},
               {"process.name", "wodim"},
               {"device.request_command", "mamori-agent request --device 2:0:0:0 --reason \"...\""}}));
  REQUIRE(burn);
  CHECK(burn->summary == "Disc burning blocked by company policy");
  CHECK(burn->body.rfind("The disc drive HL-DT-ST DVDRAM GP57EB40 cannot write discs on this PC", 0) == 0);
  CHECK(burn->body.find(
            "(wodim was refused). To ask for it, open a terminal and run: mamori-agent request --device 2:0:0:0") !=
        std::string::npos);
  auto read = agent::userNoticeFor("device.open_refused", details({{"device.bus", "scsi"},
                                                                   {"optical.vendor", "QEMU"},
                                                                   {"optical.model", "QEMU DVD-ROM"},
                                                                   {"open.access", "read"}}));
  CHECK(read->summary == "Disc drive blocked by company policy");
  CHECK(read->body.find(
            "QEMU QEMU DVD-ROM cannot be used on this PC: company files must not leave it this way. Ask your IT") !=
        std::string::npos);
}

TEST_CASE("a stopped file-sharing program is named; other events say nothing to the user") {
  auto killed = agent::userNoticeFor("p2p.killed", details({{"process.executable", "/home/a/bin/ctorrent"}}));
  REQUIRE(killed);
  CHECK(killed->body.rfind("/home/a/bin/ctorrent is not allowed", 0) == 0);
  CHECK(agent::userNoticeFor("p2p.exec_denied", details({{"process.name", "aria2c"}})));
  CHECK_FALSE(agent::userNoticeFor("device.allowed", details({})));
  CHECK_FALSE(agent::userNoticeFor("activity.removable_write", details({})));
  CHECK_FALSE(agent::userNoticeFor("device.blocked", nullptr)->summary.empty());
}

TEST_CASE("a refused print job is named, with why it was not printed") {
  auto company = agent::userNoticeFor("activity.print_blocked",
                                      details({{"print.title", "plan.pdf"}, {"print.reason", "company_document"}}));
  REQUIRE(company);
  CHECK(company->summary == "Printing blocked by company policy");
  CHECK(company->body.rfind("Your print job \"plan.pdf\" holds company information and was not printed.", 0) == 0);
  auto unchecked = agent::userNoticeFor("activity.print_blocked", details({{"print.reason", "not_inspected"}}));
  REQUIRE(unchecked);
  CHECK(unchecked->body.rfind("Your print job could not be checked", 0) == 0);
  CHECK_FALSE(agent::userNoticeFor("activity.print_uninspected", details({})));
}

TEST_CASE("the notifying sink passes every event on and repeats a notice at most once a minute") {
  std::vector<std::string> passed;
  testsupport::CallbackEventSink next(
      [&](const std::string& type, common::Severity, const Poco::JSON::Object::Ptr&) { passed.push_back(type); });
  drivers::fake::FakeDesktopNotifier notifier;
  agent::NotifyingEventSink sink(next, notifier);
  const auto blocked = [] { return details({{"usb.product", "Stick"}}); };
  CHECK(sink.report("device.blocked", common::Severity::Medium, blocked()) == "event-1");
  sink.report("device.blocked", common::Severity::Medium, blocked());  // the same device decided again
  sink.report("device.connected", common::Severity::Info, blocked());
  sink.report("device.blocked", common::Severity::Medium, details({{"usb.product", "Other"}}));
  CHECK(passed == std::vector<std::string>{"device.blocked", "device.blocked", "device.connected", "device.blocked"});
  const auto shown = notifier.shown();
  REQUIRE(shown.size() == 2);
  CHECK(shown[0].body.rfind("Stick cannot", 0) == 0);
  CHECK(shown[1].body.rfind("Other cannot", 0) == 0);
}

TEST_CASE("a device name cannot style or link the notification") {
  CHECK(drivers::escapeNotificationMarkup("<a href=\"x\">click</a> & <b>") ==
        "&lt;a href=\"x\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;");
}
