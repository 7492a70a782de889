#pragma once
// This machine's time zone as a UTC offset, for what people read by local days (the fleet report's
// days and weeks: the collector's default, mamorictl's and the console's choice).

namespace mamori::common {

// Minutes east of UTC now (540 in Japan), rounded down to whole hours as the reports count them.
int localUtcOffsetMinutes();

}  // namespace mamori::common
