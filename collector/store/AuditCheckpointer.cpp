#include "collector/store/AuditCheckpointer.h"

#include "common/Log.h"

namespace mamori::collector::store {

AuditCheckpointer::AuditCheckpointer(EventStore& store, std::shared_ptr<const common::SigningKey> key,
                                     const common::Clock& clock, std::chrono::milliseconds interval)
    : store_(store), key_(std::move(key)), clock_(clock), interval_(interval), worker_(interval, [this] {
        return run();
      }) {}

common::Result<std::optional<audit::AuditRecord>> AuditCheckpointer::checkpointNow() {
  std::optional<common::Error> failure;
  auto appended = store_.appendAuditWith([&](const audit::AuditRecord* head) -> std::optional<audit::AuditEntry> {
    auto entry = audit::checkpointEntry(head, *key_, clock_.nowMs());
    if (!entry) {
      failure = entry.error();
      return std::nullopt;
    }
    return entry.value();
  });
  if (failure) return *failure;
  return appended;
}

std::chrono::milliseconds AuditCheckpointer::run() {
  auto made = checkpointNow();
  if (!made) {
    common::log::warning("audit checkpoint: " + made.error().describe());
  } else if (made.value()) {
    common::log::info("audit checkpoint " + std::to_string(made.value()->seq) + ": " + made.value()->entry.after);
  }
  return interval_;
}

}  // namespace mamori::collector::store
