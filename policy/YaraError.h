#pragma once
// The one place where libyara's integer error codes become mamori's error type.

#include <string>

#include "common/Result.h"

namespace mamori::policy {

// code: an ERROR_* value from <yara/error.h>, kept in Error::libraryCode; the kind follows from it
// (ERROR_SCAN_TIMEOUT is kTimedOut, ERROR_TOO_MANY_MATCHES kTooLarge, ...); what: the operation
// ("yr_compiler_create").
common::Error yaraError(int code, const std::string& what, const std::string& where = {});

}  // namespace mamori::policy
