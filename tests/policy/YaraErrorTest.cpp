// libyara's codes become mamori's error in one place: the kind follows from the code, the code is kept.
#include <yara.h>

#include <doctest/doctest.h>

#include "policy/YaraError.h"

using mamori::common::ErrorKind;
using mamori::policy::yaraError;

TEST_CASE("a libyara code keeps its number and gives the kind callers decide on") {
  const auto timeout = yaraError(ERROR_SCAN_TIMEOUT, "yr_scanner_scan_mem", "rule set r");
  CHECK(timeout.kind == ErrorKind::kTimedOut);
  CHECK(timeout.libraryCode == ERROR_SCAN_TIMEOUT);
  CHECK(timeout.where == "rule set r");
  CHECK(timeout.message ==
        "yr_scanner_scan_mem: scan timed out (libyara code " + std::to_string(ERROR_SCAN_TIMEOUT) + ")");
  CHECK(yaraError(ERROR_TOO_MANY_MATCHES, "scan").kind == ErrorKind::kTooLarge);
  CHECK(yaraError(ERROR_INSUFFICIENT_MEMORY, "scan").kind == ErrorKind::kUnavailable);
  CHECK(yaraError(ERROR_CORRUPT_FILE, "load").kind == ErrorKind::kCorrupt);
  CHECK(yaraError(ERROR_COULD_NOT_OPEN_FILE, "load").kind == ErrorKind::kNotFound);
  const auto unknown = yaraError(9999, "scan");
  CHECK(unknown.kind == ErrorKind::kOther);
  CHECK(unknown.libraryCode == 9999);
}
