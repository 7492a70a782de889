#pragma once
// Hands work to the thread that owns a QObject (for a capability, its context object on the agent's
// main thread) from any thread: packet sniffers, fanotify readers and scan threads report this way,
// because events are spooled and capability state is changed on the main thread only.

#include <QMetaObject>
#include <QObject>

#include <utility>

namespace mamori::agent {

template <typename Work>
void runOnThreadOf(QObject& context, Work&& work) {
#ifdef __clang_analyzer__
  // clang 14's analyzer does not know that Qt's invokeMethodImpl (declared in a system header) takes
  // the slot object invokeMethod allocates for the call, and reports it as leaked in qobjectdefs.h,
  // where NOLINT cannot reach. For the analysis the work runs at once, which is what it checks anyway.
  std::forward<Work>(work)();
#else
  QMetaObject::invokeMethod(&context, std::forward<Work>(work), Qt::QueuedConnection);
#endif
}

}  // namespace mamori::agent
