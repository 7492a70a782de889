#pragma once
// libyara needs yr_initialize before any other call and yr_finalize after the last one. Every user
// in the process goes through YaraRuntime::ensure(), which initializes once (thread-safe) and
// finalizes at exit after every YaraRules made afterwards has been destroyed (function-local
// statics are destroyed in reverse order of construction).

#include "common/Result.h"

namespace mamori::policy {

class YaraRuntime {
 public:
  // Ok, or the libyara error from yr_initialize (then nothing YARA-related can work).
  static common::Status ensure();

  YaraRuntime(const YaraRuntime&) = delete;
  YaraRuntime& operator=(const YaraRuntime&) = delete;

 private:
  YaraRuntime();
  ~YaraRuntime();
  int initResult_;
};

}  // namespace mamori::policy
