#pragma once
// Helpers shared by the agent's unit tests: a temporary folder, a Qt application for timers and
// queued calls, waiting for a condition with a deadline.

#include <QCoreApplication>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "tests/support/TempDir.h"

namespace mamori::agent::test {

using TempDir = mamori::testsupport::TempDir;

// One QCoreApplication for the whole test binary (Qt allows only one).
inline QCoreApplication& qtApp() {
  static int argc = 1;
  static char name[] = "agent-test";
  static char* argv[] = {name, nullptr};
  static QCoreApplication app(argc, argv);
  return app;
}

// Runs the event loop until condition() holds or the deadline passes; returns condition().
inline bool waitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  qtApp();
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!condition() && std::chrono::steady_clock::now() < end) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
  }
  return condition();
}

}  // namespace mamori::agent::test
