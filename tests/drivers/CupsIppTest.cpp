// The scheduler's IPP answers as facts: messages built and encoded with libcups (as cupsd sends
// them), then hostile ones: truncated, wrong value types, jobs without ids, oversized text.
#include <doctest/doctest.h>

#include <cstring>
#include <cups/ipp.h>
#include <filesystem>
#include <memory>
#include <string>

#include "common/Files.h"
#include "drivers/linux/CupsIpp.h"

using namespace mamori::drivers;
using namespace mamori::drivers::linux_os;

namespace {

struct IppDeleter {
  void operator()(ipp_t* ipp) const { ippDelete(ipp); }
};
using Ipp = std::unique_ptr<ipp_t, IppDeleter>;

ssize_t append(void* context, ipp_uchar_t* buffer, size_t bytes) {
  static_cast<std::string*>(context)->append(reinterpret_cast<const char*>(buffer), bytes);
  return static_cast<ssize_t>(bytes);
}

std::string encode(ipp_t* ipp) {
  std::string out;
  ippSetState(ipp, IPP_STATE_IDLE);
  REQUIRE(ippWriteIO(&out, append, 1, nullptr, ipp) == IPP_STATE_DATA);
  return out;
}

Ipp response() {
  Ipp ipp(ippNew());
  ippSetVersion(ipp.get(), 2, 0);
  ippSetStatusCode(ipp.get(), IPP_STATUS_OK);
  ippSetRequestId(ipp.get(), 1);
  ippAddString(ipp.get(), IPP_TAG_OPERATION, IPP_TAG_CHARSET, "attributes-charset", nullptr, "utf-8");
  return ipp;
}

void addJob(ipp_t* ipp, int id, int state, const char* hold, const char* user, const char* printerUri) {
  ippAddSeparator(ipp);
  ippAddInteger(ipp, IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", id);
  ippAddInteger(ipp, IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", state);
  const char* reasons[] = {"job-hold-until-specified", "job-incoming"};
  ippAddStrings(ipp, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-state-reasons", 2, nullptr, reasons);
  ippAddString(ipp, IPP_TAG_JOB, IPP_TAG_KEYWORD, "job-hold-until", nullptr, hold);
  ippAddString(ipp, IPP_TAG_JOB, IPP_TAG_NAME, "job-originating-user-name", nullptr, user);
  ippAddString(ipp, IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", nullptr, printerUri);
  ippAddString(ipp, IPP_TAG_JOB, IPP_TAG_NAME, "job-name", nullptr, "plan.pdf");
  ippAddString(ipp, IPP_TAG_JOB, IPP_TAG_NAME, "job-originating-host-name", nullptr, "localhost");
  ippAddInteger(ipp, IPP_TAG_JOB, IPP_TAG_INTEGER, "number-of-documents", 2);
  ippAddInteger(ipp, IPP_TAG_JOB, IPP_TAG_INTEGER, "time-at-creation", 1796604138);
}

}  // namespace

TEST_CASE("cups ipp: the jobs of a Get-Jobs answer, each group one job") {
  auto ipp = response();
  addJob(ipp.get(), 7, 4, "indefinite", "alice", "ipp://localhost/printers/office");
  addJob(ipp.get(), 9, 5, "no-hold", "bob", "ipp://localhost:631/classes/floor2");
  auto jobs = parseJobsMessage(encode(ipp.get()));
  REQUIRE(jobs);
  REQUIRE(jobs.value().size() == 2);
  const auto& first = jobs.value()[0];
  CHECK(first.id == 7);
  CHECK(first.state == PrintJobState::kHeld);
  CHECK(first.holdUntil == "indefinite");
  CHECK(first.user == "alice");
  CHECK(first.printer == "office");
  CHECK(first.title == "plan.pdf");
  CHECK(first.host == "localhost");
  CHECK(first.documents == 2);
  CHECK(first.createdS == 1796604138);
  CHECK(first.stateReasons == std::vector<std::string>{"job-hold-until-specified", "job-incoming"});
  CHECK(jobs.value()[1].printer == "floor2");
  CHECK(jobs.value()[1].state == PrintJobState::kProcessing);
}

TEST_CASE("cups ipp: queues and their hold defaults") {
  auto ipp = response();
  ippAddString(ipp.get(), IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-name", nullptr, "office");
  ippAddString(ipp.get(), IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-hold-until-default", nullptr, "indefinite");
  ippAddSeparator(ipp.get());
  ippAddString(ipp.get(), IPP_TAG_PRINTER, IPP_TAG_NAME, "printer-name", nullptr, "lab");
  ippAddSeparator(ipp.get());
  ippAddString(ipp.get(), IPP_TAG_PRINTER, IPP_TAG_KEYWORD, "job-hold-until-default", nullptr, "no-hold");
  auto printers = parsePrintersMessage(encode(ipp.get()));
  REQUIRE(printers);
  REQUIRE(printers.value().size() == 2);  // the nameless third is dropped
  CHECK(printers.value()[0].name == "office");
  CHECK(printers.value()[0].holdDefault == "indefinite");
  CHECK(printers.value()[1].name == "lab");
  CHECK(printers.value()[1].holdDefault.empty());
}

TEST_CASE("cups ipp: hostile answers") {
  SUBCASE("truncated at every length: an error naming where it stopped, or fewer jobs, never a crash") {
    auto ipp = response();
    addJob(ipp.get(), 7, 4, "indefinite", "alice", "ipp://localhost/printers/office");
    const std::string whole = encode(ipp.get());
    for (std::size_t n = 0; n < whole.size(); ++n) {
      auto jobs = parseJobsMessage(std::string_view(whole).substr(0, n));
      if (!jobs) CHECK(jobs.error().describe().find("not a whole IPP message") != std::string::npos);
    }
  }
  SUBCASE("a job without an id, with a zero or negative id, or an id of the wrong type is left out") {
    auto ipp = response();
    ippAddSeparator(ipp.get());
    ippAddString(ipp.get(), IPP_TAG_JOB, IPP_TAG_NAME, "job-name", nullptr, "no id");
    ippAddSeparator(ipp.get());
    ippAddInteger(ipp.get(), IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", -4);
    ippAddSeparator(ipp.get());
    ippAddString(ipp.get(), IPP_TAG_JOB, IPP_TAG_NAME, "job-id", nullptr, "12");
    ippAddSeparator(ipp.get());
    ippAddInteger(ipp.get(), IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", 3);
    ippAddString(ipp.get(), IPP_TAG_JOB, IPP_TAG_NAME, "job-state", nullptr, "held");  // wrong type
    ippAddInteger(ipp.get(), IPP_TAG_JOB, IPP_TAG_INTEGER, "job-hold-until", 5);       // wrong type
    auto jobs = parseJobsMessage(encode(ipp.get()));
    REQUIRE(jobs);
    REQUIRE(jobs.value().size() == 1);
    CHECK(jobs.value()[0].id == 3);
    CHECK(jobs.value()[0].state == PrintJobState::kPending);  // unknown counts as not finished
    CHECK(jobs.value()[0].holdUntil.empty());
  }
  SUBCASE("an out-of-range state counts as pending; text is bounded") {
    auto ipp = response();
    const std::string huge(20'000, 'x');  // an IPP value holds at most 32,767 bytes
    ippAddSeparator(ipp.get());
    ippAddInteger(ipp.get(), IPP_TAG_JOB, IPP_TAG_INTEGER, "job-id", 5);
    ippAddInteger(ipp.get(), IPP_TAG_JOB, IPP_TAG_ENUM, "job-state", 9000);
    ippAddString(ipp.get(), IPP_TAG_JOB, IPP_TAG_NAME, "job-name", nullptr, huge.c_str());
    ippAddString(ipp.get(), IPP_TAG_JOB, IPP_TAG_URI, "job-printer-uri", nullptr, ("ipp://h/printers/" + huge).c_str());
    auto jobs = parseJobsMessage(encode(ipp.get()));
    REQUIRE(jobs);
    REQUIRE(jobs.value().size() == 1);
    CHECK(jobs.value()[0].state == PrintJobState::kPending);
    CHECK(jobs.value()[0].title.size() == kMaxIppText);
    CHECK(jobs.value()[0].printer.size() <= kMaxIppText);
  }
  SUBCASE("not IPP at all") {
    CHECK_FALSE(parseJobsMessage("GET / HTTP/1.1\r\n\r\n"));
    CHECK_FALSE(parseJobsMessage(""));
    CHECK_FALSE(parsePrintersMessage(std::string(8, '\xff')));
  }
}

TEST_CASE("cups ipp: the queue named by a job-printer-uri") {
  CHECK(printerFromUri("ipp://localhost/printers/office") == "office");
  CHECK(printerFromUri("ipp://localhost:631/classes/floor2?x=1") == "floor2");
  CHECK(printerFromUri("ipp://localhost/printers/a/b") == "a");
  CHECK(printerFromUri("ipp://localhost/jobs/3").empty());
  CHECK(printerFromUri("").empty());
}

TEST_CASE("cups ipp: the fuzz target's seeds and hostile samples read without a crash") {
  std::size_t read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MAMORI_CUPS_IPP_CORPUS)) {
    const std::string bytes = mamori::common::readSmallFile(entry.path().string()).value();
    CAPTURE(entry.path().string());
    auto jobs = parseJobsMessage(bytes);
    (void)parsePrintersMessage(bytes);
    if (entry.path().filename() == "get_jobs") {
      REQUIRE(jobs);
      CHECK(jobs.value().size() == 2);
    }
    if (entry.path().filename() == "hostile_truncated") CHECK_FALSE(jobs);
    if (entry.path().filename() == "hostile_wrong_types") {
      REQUIRE(jobs);
      CHECK(jobs.value().empty());
    }
    ++read;
  }
  CHECK(read >= 7);
}
