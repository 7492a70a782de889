#include "common/Result.h"

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

Error makeError(std::string message, std::string where, int sysErrno) {
  return Error{std::move(message), std::move(where), sysErrno};
}

void assertionFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "mamori: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace mamori::common
