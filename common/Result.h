#pragma once
// The one error model for expected failures (device gone, EACCES, collector 503, bad input):
// a value that says what went wrong, where (object, file, JSON pointer) and the errno if any.
// Broken invariants are not errors: they abort (see MAMORI_ASSERT).

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace mamori::common {

// What kind of failure, for callers that decide on it (cache the result or not, 413 or 400, retry or
// not). Callers switch on the kind, never on the message: the message is for people and may change.
enum class ErrorKind {
  kOther,        // nothing a caller decides on
  kNotFound,     // the file, object or key does not exist
  kTooLarge,     // over a size limit (a file, a body, an inflated stream, a match count)
  kTimedOut,     // a time budget ran out (a YARA scan, a deadline)
  kCorrupt,      // the input is malformed or truncated (gzip, zip, a key file)
  kDenied,       // permissions said no
  kUnavailable,  // a resource is missing for now (out of memory, a peer not answering)
};

// "not_found", "too_large", ... (for logs and tests).
const char* kindName(ErrorKind kind);

// The kind an errno stands for: ENOENT is kNotFound, EACCES kDenied, EFBIG kTooLarge, ... else kOther.
ErrorKind kindOfErrno(int sysErrno);

struct Error {
  std::string message;  // what went wrong, in words a person understands
  std::string where;    // which object: a path, a JSON pointer, a URL; may be empty
  int sysErrno = 0;     // errno when the OS said no, else 0
  ErrorKind kind = ErrorKind::kOther;
  int libraryCode = 0;  // a library's own error code when it said no (libyara's ERROR_*), else 0

  // "where: message (errno text)"
  std::string describe() const;
};

// The kind follows from sysErrno (kindOfErrno); kOther without one.
Error makeError(std::string message, std::string where = {}, int sysErrno = 0);
Error makeError(ErrorKind kind, std::string message, std::string where = {}, int sysErrno = 0);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// For operations that produce nothing but can fail.
struct Ok {};
using Status = Result<Ok>;

[[noreturn]] void assertionFailed(const char* expr, const char* file, int line);

}  // namespace mamori::common

#define MAMORI_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::mamori::common::assertionFailed(#expr, __FILE__, __LINE__))
