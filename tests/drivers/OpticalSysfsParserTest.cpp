// The optical drive parsers with strings: SCSI type, INQUIRY text, device numbers.
#include <doctest/doctest.h>

#include "drivers/linux/OpticalSysfsParser.h"

using namespace mamori::drivers::linux_os;

TEST_CASE("SCSI type: 0..31 with a newline, anything else refused") {
  CHECK(parseScsiType("5\n") == 5);
  CHECK(parseScsiType("0") == 0);
  CHECK(parseScsiType("31\n") == 31);
  CHECK_FALSE(parseScsiType("32\n"));
  CHECK_FALSE(parseScsiType(""));
  CHECK_FALSE(parseScsiType("\n"));
  CHECK_FALSE(parseScsiType("-1"));
  CHECK_FALSE(parseScsiType("5 "));
  CHECK_FALSE(parseScsiType("0x5"));
  CHECK_FALSE(parseScsiType("005"));
}

TEST_CASE("INQUIRY text: padding trimmed, control bytes replaced, bounded") {
  CHECK(cleanInquiryText("QEMU    \n") == "QEMU");
  CHECK(cleanInquiryText("HL-DT-ST") == "HL-DT-ST");
  CHECK(cleanInquiryText("  DVDRAM GP57EB40 \n") == "DVDRAM GP57EB40");
  CHECK(cleanInquiryText("A\x1b[31mB\xff") == "A?[31mB?");
  CHECK(cleanInquiryText("") == "");
  CHECK(cleanInquiryText(std::string(200, 'X')).size() == 64);
}

TEST_CASE("device numbers: major:minor within the kernel's split") {
  CHECK(parseDeviceNumber("11:0\n") == std::pair<std::uint32_t, std::uint32_t>{11, 0});
  CHECK(parseDeviceNumber("247:1") == std::pair<std::uint32_t, std::uint32_t>{247, 1});
  CHECK(parseDeviceNumber("4095:1048575") == std::pair<std::uint32_t, std::uint32_t>{4095, 1048575});
  CHECK_FALSE(parseDeviceNumber("4096:0"));
  CHECK_FALSE(parseDeviceNumber("1:1048576"));
  CHECK_FALSE(parseDeviceNumber(":1"));
  CHECK_FALSE(parseDeviceNumber("1:"));
  CHECK_FALSE(parseDeviceNumber("11"));
  CHECK_FALSE(parseDeviceNumber("-1:0"));
  CHECK_FALSE(parseDeviceNumber("+1:0"));
  CHECK_FALSE(parseDeviceNumber("1:2:3"));
  CHECK_FALSE(parseDeviceNumber(""));
}
