#include <doctest/doctest.h>

#include <string>

#include "drivers/linux/UeventParser.h"

using mamori::drivers::linux_os::parseUevent;

namespace {
// As the kernel sends it: fields separated (and terminated) by NUL.
std::string datagram(std::initializer_list<std::string> fields) {
  std::string out;
  for (const auto& field : fields) out += field + '\0';
  return out;
}
}  // namespace

TEST_CASE("a usb_device add from the kernel") {
  const auto bytes = datagram({"add@/devices/pci0000:00/0000:00:04.0/usb2/2-1", "ACTION=add",
                               "DEVPATH=/devices/pci0000:00/0000:00:04.0/usb2/2-1", "SUBSYSTEM=usb", "MAJOR=189",
                               "MINOR=129", "DEVNAME=bus/usb/002/002", "DEVTYPE=usb_device", "PRODUCT=46f4/1/0",
                               "TYPE=0/0/0", "BUSNUM=002", "DEVNUM=002", "SEQNUM=1234"});
  auto event = parseUevent(bytes);
  REQUIRE(event.ok());
  CHECK(event.value().action == "add");
  CHECK(event.value().subsystem == "usb");
  CHECK(event.value().devtype == "usb_device");
  CHECK(event.value().devname == "bus/usb/002/002");
  CHECK(event.value().seqnum == 1234);
  CHECK(event.value().kernelName() == "2-1");
  CHECK(event.value().vars.at("PRODUCT") == "46f4/1/0");
}

TEST_CASE("a block partition add; the last field may lack its NUL") {
  std::string bytes = datagram({"add@/devices/x/block/sda/sda1", "ACTION=add", "DEVPATH=/devices/x/block/sda/sda1",
                                "SUBSYSTEM=block", "DEVNAME=sda1", "DEVTYPE=partition"});
  bytes += "SEQNUM=7";
  auto event = parseUevent(bytes);
  REQUIRE(event.ok());
  CHECK(event.value().kernelName() == "sda1");
  CHECK(event.value().seqnum == 7);
}

TEST_CASE("malformed datagrams are errors, never crashes") {
  CHECK_FALSE(parseUevent("").ok());
  CHECK_FALSE(parseUevent(std::string("libudev\0\xfe\xed\xca\xfe", 12)).ok());
  CHECK_FALSE(parseUevent(datagram({"add/devices/x", "ACTION=add", "DEVPATH=/devices/x"})).ok());
  CHECK_FALSE(parseUevent(datagram({"add@/devices/x", "ACTION=add"})).ok());
  CHECK_FALSE(parseUevent(datagram({"add@/devices/x", "ACTION=remove", "DEVPATH=/devices/x"})).ok());
  CHECK_FALSE(parseUevent(datagram({"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "NOEQUALS"})).ok());
  CHECK_FALSE(parseUevent(datagram({"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SEQNUM=12a"})).ok());
  CHECK_FALSE(parseUevent(datagram({"add@/devices/../x", "ACTION=add", "DEVPATH=/devices/../x"})).ok());
  CHECK_FALSE(parseUevent(datagram({"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "K=a\nb"})).ok());
  CHECK_FALSE(parseUevent(std::string(9000, 'a')).ok());
}
