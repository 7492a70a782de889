#include "policy/OpticalEvaluator.h"

namespace mamori::policy {

CardVerdict evaluateOpticalDrive(const DeviceControlSettings& settings, const OpticalDriveFacts& drive) {
  if (settings.mode == Mode::kOff) {
    CardVerdict verdict;
    verdict.reason = "device control is off";
    return verdict;
  }
  MediumAllowMatch match;
  match.what = "drive";
  match.list = "optical_allow";
  for (std::size_t i = 0; i < settings.opticalAllow.size(); ++i) {
    const auto& entry = settings.opticalAllow[i];
    if (entry.vendor != drive.vendor || (!entry.model.empty() && entry.model != drive.model)) continue;
    // An entry naming the model wins over a vendor-wide one, whatever their order.
    if (match.entry >= 0 && entry.model.empty()) continue;
    match.entry = static_cast<int>(i);
    match.access = entry.access;
    match.comment = entry.comment;
    if (!entry.model.empty()) break;
  }
  return decideMedium(settings.mode, settings.optical, "optical", match,
                      drive.usbReadOnly ? "its USB device is allowed read-only" : "");
}

}  // namespace mamori::policy
