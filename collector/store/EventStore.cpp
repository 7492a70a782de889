#include "collector/store/EventStore.h"

#include "collector/store/DbUrl.h"
#include "collector/store/SqlEventStore.h"

namespace mamori::collector::store {

common::Result<std::unique_ptr<EventStore>> openEventStore(const std::string& dbUrl, const StoreOptions& options) {
  auto target = parseDbUrl(dbUrl);
  if (!target) return target.error();
  auto store = SqlEventStore::open(target.value(), options);
  if (!store) return store.error();
  return std::unique_ptr<EventStore>(std::move(store).value());
}

}  // namespace mamori::collector::store
