#include "policy/UsbProtocol.h"

#include "policy/UsbClass.h"

namespace mamori::policy {

namespace {

// "MTP" ignoring case and surrounding blanks (Android sends "MTP"; others pad or lower-case it).
bool namesMtp(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\0')) text.remove_suffix(1);
  if (text.size() != 3) return false;
  constexpr std::string_view kMtp = "MTP";
  for (std::size_t i = 0; i < 3; ++i) {
    const char c = text[i] >= 'a' && text[i] <= 'z' ? static_cast<char>(text[i] - 'a' + 'A') : text[i];
    if (c != kMtp[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view transferProtocolName(TransferProtocol protocol) {
  switch (protocol) {
    case TransferProtocol::kNone: return "";
    case TransferProtocol::kMtp: return "mtp";
    case TransferProtocol::kPtp: return "ptp";
    case TransferProtocol::kUnidentified: return "unidentified";
  }
  return "unidentified";
}

ProtocolRecognition recogniseTransferProtocol(const UsbInterfaceFacts& interface) {
  ProtocolRecognition out;
  if (namesMtp(interface.label)) out.evidence.emplace_back("interface_string");
  if (namesMtp(interface.msCompatibleId)) out.evidence.emplace_back("ms_os_descriptor");
  const bool ptpClass =
      interface.interfaceClass == usb::kStillImage && interface.subClass == 0x01 && interface.protocol == 0x01;
  if (ptpClass) out.evidence.emplace_back("still_image_class");
  if (!out.evidence.empty()) {
    out.protocol = out.evidence.front() == "still_image_class" ? TransferProtocol::kPtp : TransferProtocol::kMtp;
    return out;
  }
  if (interface.interfaceClass == usb::kVendorSpecific) {
    if (interface.labelUnreadable) out.evidence.emplace_back("unreadable_interface_string");
    if (interface.msOsUnreadable) out.evidence.emplace_back("unreadable_ms_os_descriptor");
    if (!out.evidence.empty()) out.protocol = TransferProtocol::kUnidentified;
  }
  return out;
}

}  // namespace mamori::policy
