#include "common/Result.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mamori::common {

std::string Error::describe() const {
  std::string text;
  if (!where.empty()) {
    text = where + ": ";
  }
  text += message;
  if (sysErrno != 0) {
    text += " (";
    text += std::strerror(sysErrno);  // NOLINT(concurrency-mt-unsafe): message text only
    text += ")";
  }
  return text;
}

const char* kindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOther: return "other";
    case ErrorKind::kNotFound: return "not_found";
    case ErrorKind::kTooLarge: return "too_large";
    case ErrorKind::kTimedOut: return "timed_out";
    case ErrorKind::kCorrupt: return "corrupt";
    case ErrorKind::kDenied: return "denied";
    case ErrorKind::kUnavailable: return "unavailable";
  }
  return "other";
}

ErrorKind kindOfErrno(int sysErrno) {
  switch (sysErrno) {
    case ENOENT:
    case ENOTDIR:
    case ESRCH:
    case ENODEV:
    case ENXIO: return ErrorKind::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS: return ErrorKind::kDenied;
    case EFBIG:
    case E2BIG:
    case ENAMETOOLONG:
    case EMSGSIZE:
    case EOVERFLOW: return ErrorKind::kTooLarge;
    case ETIMEDOUT: return ErrorKind::kTimedOut;
    case EBADMSG:
    case EILSEQ: return ErrorKind::kCorrupt;
    case EAGAIN:
    case EBUSY:
    case ENOMEM:
    case ENOSPC:
    case EMFILE:
    case ENFILE:
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH: return ErrorKind::kUnavailable;
    default: return ErrorKind::kOther;
  }
}

Error makeError(std::string message, std::string where, int sysErrno) {
  return Error{std::move(message), std::move(where), sysErrno, kindOfErrno(sysErrno)};
}

Error makeError(ErrorKind kind, std::string message, std::string where, int sysErrno) {
  return Error{std::move(message), std::move(where), sysErrno, kind};
}

void assertionFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "mamori: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace mamori::common
