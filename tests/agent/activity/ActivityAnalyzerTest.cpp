// The analysis of file activity, with real files in a temporary folder and a made-up mount table.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "agent/activity/ActivityAnalyzer.h"
#include "policy/DefaultPolicy.h"
#include "tests/agent/activity/ActivityTestSupport.h"
#include "tests/support/TempDir.h"

using namespace mamori;
using namespace mamori::agent::activity;

namespace {

constexpr char kCompany[] = "社外秘: 2027 merger plan\n";
constexpr char kPersonal[] = "shopping list: eggs, rice\n";

struct Fixture {
  testsupport::TempDir dir{"mamori-activity"};
  std::string home = dir.path() + "/home";
  std::string usb = dir.path() + "/usb";
  std::string cloud = dir.path() + "/home/Dropbox";
  std::string spool = dir.path() + "/spool";
  std::vector<drivers::MountEntry> mounts;
  std::unique_ptr<ActivityAnalyzer> analyzer;

  explicit Fixture(bool onChange = true) {
    for (const auto& d : {home, usb, cloud, spool}) std::filesystem::create_directories(d);
    drivers::MountEntry root;
    root.mountPoint = "/";
    drivers::MountEntry stick;
    stick.mountPoint = usb;
    stick.source = "/dev/loop7";
    stick.fsType = "vfat";
    mounts = {root, stick};
    AnalyzerConfig config;
    config.activity.watched = {home};
    config.activity.removableMounts = {usb};
    config.activity.cloudSyncFolders = {cloud};
    config.activity.printing.spoolDir = spool;
    config.activity.bulk = {50, 1LL << 40, 60};
    config.scan = scan::ScanConfig::fromPolicy(policy::builtinPolicy().contentScan);
    if (onChange) config.scanPaths = {home};
    analyzer = ActivityAnalyzer::create(config).value();
  }

  static void write(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

  std::vector<Finding> wrote(const std::string& path, pid_t pid = 100, std::int64_t t = 1000) {
    drivers::FileActivity a;
    a.op = drivers::FileOp::kWritten;
    a.pid = pid;
    a.uid = 0;
    a.processName = "cp";
    a.path = path;
    a.size = static_cast<std::int64_t>(std::filesystem::file_size(path));
    a.timeMs = t;
    a.fd = common::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    return analyzer->analyze(a, mounts);
  }
  // A rename (mv) of from to path, as the fanotify source delivers it.
  std::vector<Finding> moved(const std::string& from, const std::string& path) {
    std::filesystem::rename(from, path);
    drivers::FileActivity a;
    a.op = drivers::FileOp::kWritten;
    a.moved = true;
    a.movedFrom = from;
    a.pid = 101;
    a.processName = "mv";
    a.path = path;
    a.size = static_cast<std::int64_t>(std::filesystem::file_size(path));
    a.timeMs = 1000;
    a.fd = common::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    return analyzer->analyze(a, mounts);
  }
  std::vector<Finding> read(const std::string& path, pid_t pid = 100, std::int64_t t = 900) {
    drivers::FileActivity a;
    a.op = drivers::FileOp::kRead;
    a.pid = pid;
    a.processName = "cp";
    a.path = path;
    a.size = static_cast<std::int64_t>(std::filesystem::file_size(path));
    a.timeMs = t;
    return analyzer->analyze(a, mounts);
  }
};

const Finding* find(const std::vector<Finding>& findings, const std::string& type) {
  for (const auto& f : findings) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a company file copied to removable media is reported with its source and match; a personal one is not") {
  Fixture fx;
  const std::string source = fx.home + "/plan.txt";
  Fixture::write(source, kCompany);
  CHECK(fx.read(source).empty());
  Fixture::write(fx.usb + "/plan.txt", kCompany);
  auto findings = fx.wrote(fx.usb + "/plan.txt");
  const Finding* hit = find(findings, "activity.removable_write");
  REQUIRE(hit);
  CHECK(hit->severity == common::Severity::High);
  CHECK(hit->details->getValue<std::string>("file.path") == fx.usb + "/plan.txt");
  CHECK(hit->details->getValue<std::string>("source.path") == source);
  CHECK(hit->details->getValue<std::string>("device.mount_point") == fx.usb);
  CHECK(hit->details->getValue<std::string>("user.name") == "root");
  CHECK(hit->details->getArray("content.matches")->size() >= 1);
  REQUIRE(hit->evidence);
  CHECK(hit->evidence->weight == 40);

  Fixture::write(fx.usb + "/list.txt", kPersonal);
  CHECK(fx.wrote(fx.usb + "/list.txt").empty());
}

TEST_CASE("a company file written into a cloud-sync folder; the on-change scan reports it too") {
  Fixture fx;
  Fixture::write(fx.cloud + "/plan.txt", kCompany);
  auto findings = fx.wrote(fx.cloud + "/plan.txt");
  REQUIRE(find(findings, "activity.cloud_sync_write"));
  CHECK(find(findings, "activity.cloud_sync_write")->details->getValue<std::string>("cloud.folder") == fx.cloud);
  CHECK(find(findings, "content.match"));  // the cloud folder is below content_scan.paths here
  CHECK_FALSE(find(findings, "activity.removable_write"));
}

TEST_CASE("a company file moved into a cloud-sync folder is reported like a copy, with where it was") {
  Fixture fx;
  Fixture::write(fx.home + "/plan.txt", kCompany);
  auto findings = fx.moved(fx.home + "/plan.txt", fx.cloud + "/plan.txt");
  const Finding* cloud = find(findings, "activity.cloud_sync_write");
  REQUIRE(cloud);
  CHECK(cloud->details->getValue<std::string>("source.path") == fx.home + "/plan.txt");
  CHECK(cloud->details->getValue<std::string>("file.operation") == "moved");
  CHECK(cloud->details->getValue<std::string>("file.path") == fx.cloud + "/plan.txt");
  // Renamed inside the sync folder (an editor saving through a temporary name): nothing new arrived.
  CHECK(fx.moved(fx.cloud + "/plan.txt", fx.cloud + "/plan-v2.txt").empty());
  // Onto the stick from the home folder: reported; a personal file is not.
  REQUIRE(find(fx.moved(fx.cloud + "/plan-v2.txt", fx.usb + "/plan.txt"), "activity.removable_write"));
  Fixture::write(fx.home + "/list.txt", kPersonal);
  CHECK_FALSE(find(fx.moved(fx.home + "/list.txt", fx.cloud + "/list.txt"), "activity.cloud_sync_write"));
}

TEST_CASE("on-change scanning: a written company file gives content.match; off gives nothing") {
  {
    Fixture fx;
    Fixture::write(fx.home + "/notes.txt", kCompany);
    auto findings = fx.wrote(fx.home + "/notes.txt");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].type == "content.match");
    CHECK_FALSE(findings[0].evidence);
  }
  Fixture off(false);
  Fixture::write(off.home + "/notes.txt", kCompany);
  CHECK(off.wrote(off.home + "/notes.txt").empty());
}

TEST_CASE("bulk reads from watched trees by one process") {
  Fixture fx;
  Fixture::write(fx.home + "/f.txt", "x");
  std::vector<Finding> all;
  for (int i = 0; i < 50; ++i) {
    auto found = fx.read(fx.home + "/f.txt", 300, 1000 + i);
    all.insert(all.end(), found.begin(), found.end());
  }
  REQUIRE(all.size() == 1);
  CHECK(all[0].type == "activity.bulk_read");
  CHECK(all[0].details->getValue<std::int64_t>("activity.files") == 50);
  // Reads outside the watched trees do not count.
  Fixture::write(fx.usb + "/f.txt", "x");
  for (int i = 0; i < 60; ++i) CHECK(fx.read(fx.usb + "/f.txt", 301, 1000 + i).empty());
}

TEST_CASE("archives: holding company files, or encrypted after reading company files") {
  Fixture fx;
  Fixture::write(fx.home + "/plain.zip", test::storedZip({{"plan.txt", kCompany, false}}));
  auto plain = fx.wrote(fx.home + "/plain.zip", 400);
  const Finding* archive = find(plain, "activity.archive_created");
  REQUIRE(archive);
  CHECK_FALSE(archive->details->getValue<bool>("archive.encrypted"));
  CHECK(archive->severity == common::Severity::Medium);

  const std::string input = fx.home + "/secret.txt";
  Fixture::write(input, kCompany);
  fx.read(input, 401);
  Fixture::write(fx.home + "/locked.zip", test::storedZip({{"secret.txt", "\x01\x02garbled", true}}));
  auto locked = fx.wrote(fx.home + "/locked.zip", 401);
  archive = find(locked, "activity.archive_created");
  REQUIRE(archive);
  CHECK(archive->details->getValue<bool>("archive.encrypted"));
  CHECK(archive->severity == common::Severity::High);
  CHECK(archive->details->getArray("archive.company_inputs")->getElement<std::string>(0) == input);
  CHECK(archive->evidence->weight == 40);

  // An encrypted archive whose writer read nothing of the company's: not reported.
  Fixture::write(fx.home + "/other.zip", test::storedZip({{"x.txt", "zz", true}}));
  CHECK_FALSE(find(fx.wrote(fx.home + "/other.zip", 402), "activity.archive_created"));
}

TEST_CASE("printing: a CUPS job of a company document, once, with the job's attributes") {
  Fixture fx;
  Fixture::write(fx.spool + "/d00012-001", kCompany);
  // The control file arrives as cupsd's temporary name; the document is already there.
  Fixture::write(fx.spool + "/c00012.N",
                 test::controlFile("alice", "plan.pdf", "ipp://localhost/printers/office", 12, 2));
  auto findings = fx.wrote(fx.spool + "/c00012.N", 1);
  const Finding* print = find(findings, "activity.print");
  REQUIRE(print);
  CHECK(print->details->getValue<std::string>("print.printer") == "office");
  CHECK(print->details->getValue<std::string>("user.name") == "alice");
  CHECK(print->details->getValue<std::string>("print.title") == "plan.pdf");
  CHECK(print->details->getValue<std::int64_t>("print.pages") == 2);
  REQUIRE(print->evidence);
  CHECK(print->evidence->user == "alice");
  CHECK(fx.wrote(fx.spool + "/c00012.N", 1).empty());  // the job's later saves do not repeat it

  // A personal document: nothing. A control file before its document: reported when the document came.
  Fixture::write(fx.spool + "/d00013-001", kPersonal);
  Fixture::write(fx.spool + "/c00013", test::controlFile("alice", "list", "ipp://h/printers/office", 13, 1));
  CHECK(fx.wrote(fx.spool + "/c00013", 1).empty());
  Fixture::write(fx.spool + "/c00014", test::controlFile("bob", "memo", "ipp://h/printers/office", 14, 1));
  CHECK(fx.wrote(fx.spool + "/c00014", 1).empty());
  Fixture::write(fx.spool + "/d00014-001", kCompany);
  CHECK(find(fx.wrote(fx.spool + "/c00014", 1), "activity.print"));
  // A damaged control file: no crash, no event.
  Fixture::write(fx.spool + "/d00015-001", kCompany);
  Fixture::write(fx.spool + "/c00015", "garbage");
  CHECK(fx.wrote(fx.spool + "/c00015", 1).empty());
}
