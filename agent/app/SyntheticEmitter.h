#pragma once
// --emit-synthetic N: spools N agent.synthetic events through the same spool and uploader as real
// events, a chunk per timer tick (one transaction each) so the event loop stays responsive.

#include <QObject>
#include <QTimer>

#include <cstdint>

#include "agent/report/EventFactory.h"
#include "agent/report/Spool.h"

namespace mamori::agent {

class SyntheticEmitter : public QObject {
  Q_OBJECT

 public:
  static constexpr std::int64_t kChunk = 1000;

  SyntheticEmitter(Spool& spool, EventFactory& events, std::int64_t total, QObject* parent = nullptr);

  void start();
  void stop();
  bool done() const { return emitted_ >= total_; }
  std::int64_t emitted() const { return emitted_; }

  // The n-th synthetic event (1-based), with realistic-looking details and mixed severities.
  static common::Event make(EventFactory& events, std::int64_t n);

 signals:
  void chunkSpooled();
  void finished();

 private:
  void tick();

  Spool& spool_;
  EventFactory& events_;
  std::int64_t total_;
  std::int64_t emitted_ = 0;
  QTimer timer_;
};

}  // namespace mamori::agent
