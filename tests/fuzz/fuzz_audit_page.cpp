// An audit page comes over the network to mamorictl audit verify (collector/audit/AuditRecord.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collector/audit/AuditRecord.h"
#include "common/JsonText.h"
#include "common/Result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace audit = mamori::collector::audit;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  auto page = audit::parseAuditPage(text);
  if (!page) return 0;
  (void)audit::verifyChain(page.value().records);
  for (const auto& record : page.value().records) {
    // What parsed must write and parse back to the same record.
    const std::string written =
        "{\"records\":[" + mamori::common::json::write(audit::toJson(record), mamori::common::json::Style::kCanonical) +
        "],\"next_after\":null}";
    auto again = audit::parseAuditPage(written);
    MAMORI_ASSERT(again && again.value().records.size() == 1);
    MAMORI_ASSERT(audit::canonicalText(again.value().records[0]) == audit::canonicalText(record));
  }
  return 0;
}
