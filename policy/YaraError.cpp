#include "policy/YaraError.h"

#include <yara.h>

namespace mamori::policy {

namespace {

const char* describeCode(int code) {
  switch (code) {
    case ERROR_SUCCESS: return "success";
    case ERROR_INSUFFICIENT_MEMORY: return "out of memory";
    case ERROR_COULD_NOT_OPEN_FILE: return "could not open the file";
    case ERROR_COULD_NOT_MAP_FILE: return "could not map the file";
    case ERROR_INVALID_FILE: return "invalid file";
    case ERROR_CORRUPT_FILE: return "corrupt file";
    case ERROR_SYNTAX_ERROR: return "syntax error";
    case ERROR_SCAN_TIMEOUT: return "scan timed out";
    case ERROR_TOO_MANY_SCAN_THREADS: return "too many scan threads on one rule set (libyara allows 32)";
    case ERROR_CALLBACK_ERROR: return "the scan callback failed";
    case ERROR_INVALID_ARGUMENT: return "invalid argument";
    case ERROR_TOO_MANY_MATCHES: return "too many matches";
    case ERROR_INTERNAL_FATAL_ERROR: return "internal libyara error";
    case ERROR_COULD_NOT_READ_PROCESS_MEMORY: return "could not read process memory";
    case ERROR_COULD_NOT_READ_FILE: return "could not read the file";
    case ERROR_EXEC_STACK_OVERFLOW: return "rule condition too complex (stack overflow)";
    case ERROR_REGULAR_EXPRESSION_TOO_LARGE: return "regular expression too large";
    case ERROR_REGULAR_EXPRESSION_TOO_COMPLEX: return "regular expression too complex";
    case ERROR_TOO_MANY_STRINGS: return "too many strings";
    default: return nullptr;
  }
}

common::ErrorKind kindOfCode(int code) {
  switch (code) {
    case ERROR_SCAN_TIMEOUT: return common::ErrorKind::kTimedOut;
    case ERROR_INSUFFICIENT_MEMORY:
    case ERROR_TOO_MANY_SCAN_THREADS: return common::ErrorKind::kUnavailable;
    case ERROR_COULD_NOT_OPEN_FILE: return common::ErrorKind::kNotFound;
    case ERROR_INVALID_FILE:
    case ERROR_CORRUPT_FILE:
    case ERROR_SYNTAX_ERROR: return common::ErrorKind::kCorrupt;
    case ERROR_TOO_MANY_MATCHES:
    case ERROR_TOO_MANY_STRINGS:
    case ERROR_REGULAR_EXPRESSION_TOO_LARGE:
    case ERROR_REGULAR_EXPRESSION_TOO_COMPLEX:
    case ERROR_EXEC_STACK_OVERFLOW: return common::ErrorKind::kTooLarge;
    default: return common::ErrorKind::kOther;
  }
}

}  // namespace

common::Error yaraError(int code, const std::string& what, const std::string& where) {
  const char* text = describeCode(code);
  std::string message = what + ": " + (text != nullptr ? text : "libyara error");
  message += " (libyara code " + std::to_string(code) + ")";
  auto error = common::makeError(kindOfCode(code), std::move(message), where);
  error.libraryCode = code;  // kept: a caller or a test may need the exact libyara code
  return error;
}

}  // namespace mamori::policy
