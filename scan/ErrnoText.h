#pragma once
// errno in words, safe from worker threads (std::strerror may share a buffer between threads).

#include <string.h>

#include <string>

namespace mamori::scan {

inline std::string errnoText(int code) {
  char buffer[128];
  // The GNU strerror_r returns the message, which may or may not be in buffer.
  return ::strerror_r(code, buffer, sizeof buffer);
}

}  // namespace mamori::scan
