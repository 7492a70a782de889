#include "policy/YaraRuntime.h"

#include <yara.h>

#include "policy/YaraError.h"

namespace mamori::policy {

YaraRuntime::YaraRuntime() : initResult_(yr_initialize()) {}

YaraRuntime::~YaraRuntime() {
  if (initResult_ == ERROR_SUCCESS) yr_finalize();
}

common::Status YaraRuntime::ensure() {
  static const YaraRuntime runtime;  // C++ guarantees one thread-safe construction
  if (runtime.initResult_ != ERROR_SUCCESS) return yaraError(runtime.initResult_, "yr_initialize");
  return common::Ok{};
}

}  // namespace mamori::policy
