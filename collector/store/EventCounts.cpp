#include "collector/store/EventCounts.h"

namespace mamori::collector::store {

std::array<std::string, 2> eventCountsUpdate(const std::string& source, const std::string& where, bool subtract) {
  const std::string hour = "time_ms - (time_ms % 3600000)";
  const std::string count = subtract ? "-count(*)" : "count(*)";
  const std::string all = where.empty() ? "" : " WHERE " + where;
  const std::string high = where.empty() ? " WHERE severity >= 3" : " WHERE (" + where + ") AND severity >= 3";
  return {
      "INSERT INTO event_counts AS c (hour_ms, type, severity, n) SELECT " + hour + ", type, severity, " + count +
          " FROM " + source + all +
          " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT (hour_ms, type, severity) DO UPDATE SET n = c.n + excluded.n",
      "INSERT INTO event_counts_hosts AS c (hour_ms, host, user_name, severity, n) SELECT " + hour +
          ", host, user_name, severity, " + count + " FROM " + source + high +
          " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 ON CONFLICT (hour_ms, host, user_name, severity) DO UPDATE SET"
          " n = c.n + excluded.n",
  };
}

}  // namespace mamori::collector::store
