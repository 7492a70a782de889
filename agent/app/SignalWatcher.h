#pragma once
// Turns SIGTERM and SIGINT into a Qt signal on the main thread (self-pipe: the handler only writes
// one byte, which is async-signal-safe; a QSocketNotifier reads it in the event loop).

#include <QObject>
#include <QSocketNotifier>

#include <memory>

#include "common/Result.h"
#include "common/UniqueFd.h"

namespace mamori::agent {

class SignalWatcher : public QObject {
  Q_OBJECT

 public:
  // One per process. Installs the handlers; also ignores SIGPIPE (a closed TLS connection must be
  // an error value, not the death of the agent).
  static common::Result<std::unique_ptr<SignalWatcher>> install();
  ~SignalWatcher() override;

 signals:
  void stopRequested(int signalNumber);

 private:
  SignalWatcher(common::UniqueFd readEnd, common::UniqueFd writeEnd);
  void onReadable();

  common::UniqueFd readEnd_;
  common::UniqueFd writeEnd_;
  std::unique_ptr<QSocketNotifier> notifier_;
};

}  // namespace mamori::agent
