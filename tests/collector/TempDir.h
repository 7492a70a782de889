#pragma once
// The collector tests use the shared temporary-directory helper.

#include "tests/support/TempDir.h"

namespace mamori::collector::test {

using TempDir = mamori::testsupport::TempDir;

}  // namespace mamori::collector::test
