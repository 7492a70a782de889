#pragma once
// File-transfer protocols that phones and cameras speak over a USB interface with no kernel driver
// (libmtp, gphoto2 and gvfs talk to the interface through usbfs), recognised from what the device
// declares about the interface. Pure: facts in, recognition out.

#include <string>
#include <string_view>
#include <vector>

#include "policy/DeviceFacts.h"

namespace mamori::policy {

enum class TransferProtocol {
  kNone,
  kMtp,  // Media Transfer Protocol: Android phones, media players
  kPtp,  // Picture Transfer Protocol: cameras, iPhones (still image class 06/01/01)
  // A vendor-specific interface whose string or Microsoft OS descriptor the device announced but did
  // not deliver: it may be MTP, so a blocking phones policy refuses it (fail closed).
  kUnidentified,
};

// "", "mtp", "ptp", "unidentified".
std::string_view transferProtocolName(TransferProtocol protocol);

struct ProtocolRecognition {
  TransferProtocol protocol = TransferProtocol::kNone;
  // How it was recognised, for the event: "interface_string", "ms_os_descriptor", "still_image_class",
  // "unreadable_interface_string", "unreadable_ms_os_descriptor".
  std::vector<std::string> evidence;
};

// MTP when the interface string is "MTP" (any case, surrounding blanks ignored) or the Microsoft OS
// compatible ID is "MTP"; otherwise PTP for class 06/01/01 (which MTP devices advertise too);
// otherwise unidentified for a vendor-specific interface whose string or MS OS descriptor could not
// be read; otherwise none.
ProtocolRecognition recogniseTransferProtocol(const UsbInterfaceFacts& interface);

}  // namespace mamori::policy
