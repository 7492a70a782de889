// The print gate's reading of the scheduler's IPP answers (drivers/linux/CupsIpp.h): libcups reads the
// message, our code turns its job and printer groups into facts. Any bytes: an error or facts, never a
// crash, a job without a positive id or text beyond the bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Result.h"
#include "drivers/linux/CupsIpp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::drivers::linux_os;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  if (auto jobs = parseJobsMessage(bytes)) {
    MAMORI_ASSERT(jobs.value().size() <= kMaxIppJobs);
    for (const auto& job : jobs.value()) {
      MAMORI_ASSERT(job.id > 0);
      MAMORI_ASSERT(job.title.size() <= kMaxIppText && job.user.size() <= kMaxIppText);
      MAMORI_ASSERT(job.printer.size() <= kMaxIppText && job.holdUntil.size() <= kMaxIppText);
    }
  }
  if (auto printers = parsePrintersMessage(bytes)) {
    for (const auto& printer : printers.value()) MAMORI_ASSERT(!printer.name.empty());
  }
  return 0;
}
