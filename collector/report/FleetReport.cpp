#include "collector/report/FleetReport.h"

#include "common/Clock.h"

namespace mamori::collector::report {

std::int64_t FleetReport::total() const {
  std::int64_t sum = 0;
  for (const auto& type : types) sum += type.count;
  return sum;
}

std::int64_t FleetReport::previousTotal() const {
  std::int64_t sum = 0;
  for (const auto& type : types) sum += type.previous;
  return sum;
}

std::int64_t FleetReport::highAndCritical() const {
  std::int64_t sum = 0;
  for (const auto& type : types) sum += type.severity >= 3 ? type.count : 0;
  return sum;
}

std::int64_t FleetReport::previousHighAndCritical() const {
  std::int64_t sum = 0;
  for (const auto& type : types) sum += type.severity >= 3 ? type.previous : 0;
  return sum;
}

std::string trend(std::int64_t now, std::int64_t before) {
  if (now == 0 && before == 0) return "";
  if (before == 0) return "new";
  // Rounded half away from zero, in whole per cent.
  const std::int64_t change = now - before;
  const std::int64_t percent = (change * 200 + (change >= 0 ? before : -before)) / (2 * before);
  return (percent > 0 ? "+" : "") + std::to_string(percent) + "%";
}

std::string localDate(std::int64_t startMs, std::int64_t offsetMs) {
  return common::formatUtcMs(startMs + offsetMs).substr(0, 10);
}

}  // namespace mamori::collector::report
