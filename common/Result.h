#pragma once
// The one error model for expected failures (device gone, EACCES, collector 503, bad input):
// a value that says what went wrong, where (object, file, JSON pointer) and the errno if any.
// Broken invariants are not errors: they abort (see MAMORI_ASSERT).

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace mamori::common {

struct Error {
  std::string message;  // what went wrong, in words a person understands
  std::string where;    // which object: a path, a JSON pointer, a URL; may be empty
  int sysErrno = 0;     // errno when the OS said no, else 0

  // "where: message (errno text)"
  std::string describe() const;
};

Error makeError(std::string message, std::string where = {}, int sysErrno = 0);

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
