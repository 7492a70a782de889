#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "common/Result.h"

using namespace mamori::common;

TEST_CASE("an error's kind follows from its errno unless given") {
  CHECK(makeError("cannot open", "/x", ENOENT).kind == ErrorKind::kNotFound);
  CHECK(makeError("cannot open", "/x", EACCES).kind == ErrorKind::kDenied);
  CHECK(makeError("cannot open", "/x", EPERM).kind == ErrorKind::kDenied);
  CHECK(makeError("cannot write", "/x", EFBIG).kind == ErrorKind::kTooLarge);
  CHECK(makeError("cannot connect", "/x", ETIMEDOUT).kind == ErrorKind::kTimedOut);
  CHECK(makeError("cannot connect", "/x", ECONNREFUSED).kind == ErrorKind::kUnavailable);
  CHECK(makeError("cannot read", "/x", EIO).kind == ErrorKind::kOther);
  CHECK(makeError("bad input").kind == ErrorKind::kOther);
  const Error given = makeError(ErrorKind::kCorrupt, "truncated", "/y", EIO);
  CHECK(given.kind == ErrorKind::kCorrupt);
  CHECK(given.sysErrno == EIO);
  CHECK(given.libraryCode == 0);
  CHECK(given.describe().find("/y: truncated (") == 0);
}

TEST_CASE("every kind has a name") {
  CHECK(std::string(kindName(ErrorKind::kOther)) == "other");
  CHECK(std::string(kindName(ErrorKind::kNotFound)) == "not_found");
  CHECK(std::string(kindName(ErrorKind::kTooLarge)) == "too_large");
  CHECK(std::string(kindName(ErrorKind::kTimedOut)) == "timed_out");
  CHECK(std::string(kindName(ErrorKind::kCorrupt)) == "corrupt");
  CHECK(std::string(kindName(ErrorKind::kDenied)) == "denied");
  CHECK(std::string(kindName(ErrorKind::kUnavailable)) == "unavailable");
}
