#pragma once
// CD/DVD/BD drives (burners) on any bus. Pure: facts and settings in, verdict out. The verdict's
// decisions are the card readers' (allow, read_only, block): read_only lets discs be read and
// refuses burning, block refuses every open of the drive.

#include <string>

#include "policy/CardEvaluator.h"
#include "policy/DeviceControlSettings.h"

namespace mamori::policy {

struct OpticalDriveFacts {
  std::string vendor;  // SCSI INQUIRY vendor, blanks trimmed: "HL-DT-ST", "QEMU"
  std::string model;   // SCSI INQUIRY product, blanks trimmed: "DVDRAM GP57EB40"
  // The drive is inside a USB device the USB channel allowed read-only (an allow entry's access, or
  // class_actions mass_storage read_only): burning is a write, so the drive is at most read_only.
  bool usbReadOnly = false;
};

// optical and optical_allow (vendor exact; model exact, or any when the entry names none), never more
// than read_only for a drive in a USB device allowed read-only. Mode off allows; mode audit (or
// optical: audit) reports "would" and enforces nothing.
CardVerdict evaluateOpticalDrive(const DeviceControlSettings& settings, const OpticalDriveFacts& drive);

}  // namespace mamori::policy
