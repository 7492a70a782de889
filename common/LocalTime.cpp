#include "common/LocalTime.h"

#include <ctime>

namespace mamori::common {

int localUtcOffsetMinutes() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  if (localtime_r(&now, &local) == nullptr) return 0;
  // tm_gmtoff is seconds east of UTC; India's +5:30 becomes +5:00, the nearest whole hour below.
  const long hours = local.tm_gmtoff >= 0 ? local.tm_gmtoff / 3600 : -((-local.tm_gmtoff + 3599) / 3600);
  return static_cast<int>(hours) * 60;
}

}  // namespace mamori::common
