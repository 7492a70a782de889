/* The gadget phone of the USB end-to-end guest (guest-init.sh, gadget_phone_checks): the device side
 * of an Android phone's MTP interface, made with the kernel's own gadget stack on dummy_hcd, and a
 * usbfs claim as libmtp makes it on the host side.
 *
 *   gadget-phone serve DIR mtp|vendor
 *       Writes FunctionFS descriptors (v2) and strings to DIR/ep0 (a mounted functionfs) and serves ep0
 *       until killed. "mtp" is an Android phone's MTP interface as AOSP's MtpDescriptors.cpp builds it:
 *       class ff/ff/00, interface string "MTP", bulk in, bulk out and interrupt in, and the Microsoft OS
 *       extended compat ID "MTP" (FUNCTIONFS_HAS_MS_OS_DESC; the gadget's os_desc makes the composite
 *       layer answer string 0xEE and the vendor request). "vendor" is the same interface with another
 *       string and no Microsoft OS descriptor: a vendor-specific interface that is not MTP.
 *       Prints "ready" once the function is complete (the gadget can then be bound to a UDC).
 *   gadget-phone claim NODE INTERFACE
 *       USBDEVFS_CLAIMINTERFACE on a usbfs node (/dev/bus/usb/BBB/DDD), as libusb_claim_interface does:
 *       prints "claimed" (and releases it; exit 0), "refused ERRNO-NAME" (exit 1) or "open-failed
 *       ERRNO-NAME" (exit 2). */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct endpoints {
  struct usb_interface_descriptor intf;
  struct usb_endpoint_descriptor_no_audio bulk_in;
  struct usb_endpoint_descriptor_no_audio bulk_out;
  struct usb_endpoint_descriptor_no_audio intr;
} __attribute__((packed));

struct descriptors {
  struct usb_functionfs_descs_head_v2 header;
  __le32 fs_count;
  __le32 hs_count;
  __le32 os_count; /* written only with FUNCTIONFS_HAS_MS_OS_DESC: the blob is cut short otherwise */
  struct endpoints fs;
  struct endpoints hs;
  struct usb_os_desc_header os_header;
  struct usb_ext_compat_desc os_compat;
} __attribute__((packed));

#define STRING_MAX 32
struct strings {
  struct usb_functionfs_strings_head header;
  __le16 language;
  char text[STRING_MAX];
} __attribute__((packed));

static struct endpoints interface_endpoints(__u16 bulk_packet) {
  struct endpoints e;
  memset(&e, 0, sizeof e);
  e.intf.bLength = USB_DT_INTERFACE_SIZE;
  e.intf.bDescriptorType = USB_DT_INTERFACE;
  e.intf.bNumEndpoints = 3;
  e.intf.bInterfaceClass = USB_CLASS_VENDOR_SPEC;
  e.intf.bInterfaceSubClass = USB_SUBCLASS_VENDOR_SPEC;
  e.intf.bInterfaceProtocol = 0;
  e.intf.iInterface = 1;
  e.bulk_in.bLength = e.bulk_out.bLength = e.intr.bLength = USB_DT_ENDPOINT_SIZE;
  e.bulk_in.bDescriptorType = e.bulk_out.bDescriptorType = e.intr.bDescriptorType = USB_DT_ENDPOINT;
  e.bulk_in.bEndpointAddress = 1 | USB_DIR_IN;
  e.bulk_in.bmAttributes = USB_ENDPOINT_XFER_BULK;
  e.bulk_in.wMaxPacketSize = htole16(bulk_packet);
  e.bulk_out.bEndpointAddress = 2 | USB_DIR_OUT;
  e.bulk_out.bmAttributes = USB_ENDPOINT_XFER_BULK;
  e.bulk_out.wMaxPacketSize = htole16(bulk_packet);
  e.intr.bEndpointAddress = 3 | USB_DIR_IN;
  e.intr.bmAttributes = USB_ENDPOINT_XFER_INT;
  e.intr.wMaxPacketSize = htole16(28); /* MTP's event container */
  e.intr.bInterval = 6;
  return e;
}

static int write_all(int fd, const void *data, size_t size, const char *what) {
  ssize_t n = write(fd, data, size);
  if (n != (ssize_t)size) {
    fprintf(stderr, "gadget-phone: writing the %s: %s\n", what, n < 0 ? strerror(errno) : "short write");
    return -1;
  }
  return 0;
}

static int serve(const char *dir, int mtp) {
  char path[4096];
  snprintf(path, sizeof path, "%s/ep0", dir);
  int ep0 = open(path, O_RDWR);
  if (ep0 < 0) {
    fprintf(stderr, "gadget-phone: %s: %s\n", path, strerror(errno));
    return 2;
  }
  struct descriptors d;
  memset(&d, 0, sizeof d);
  d.fs_count = htole32(4);
  d.hs_count = htole32(4);
  d.os_count = htole32(1);
  d.fs = interface_endpoints(64);
  d.hs = interface_endpoints(512);
  d.os_header.interface = 0;
  d.os_header.dwLength = htole32(sizeof d.os_header + sizeof d.os_compat);
  d.os_header.bcdVersion = htole16(1); /* what kernels before 6.x accept (later ones also 0x0100) */
  d.os_header.wIndex = htole16(4);     /* extended compat ID */
  d.os_header.bCount = 1;
  d.os_compat.bFirstInterfaceNumber = 0;
  d.os_compat.Reserved1 = 1;
  memcpy(d.os_compat.CompatibleID, "MTP", 3);
  /* Without the Microsoft OS descriptor the blob ends after the high-speed descriptors, and os_count
   * is not there: fs and hs descriptors move up by four bytes. */
  size_t size = sizeof d;
  d.header.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
  if (mtp) {
    d.header.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC | FUNCTIONFS_HAS_MS_OS_DESC);
  } else {
    d.header.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
    memmove(&d.os_count, &d.fs, sizeof d.fs + sizeof d.hs);
    size = sizeof d.header + sizeof d.fs_count + sizeof d.hs_count + sizeof d.fs + sizeof d.hs;
  }
  d.header.length = htole32((__u32)size);
  if (write_all(ep0, &d, size, "descriptors") != 0) return 1;

  struct strings s;
  memset(&s, 0, sizeof s);
  const char *label = mtp ? "MTP" : "Vendor Bulk";
  size_t label_size = strlen(label) + 1;
  s.header.magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
  s.header.length = htole32((__u32)(sizeof s.header + sizeof s.language + label_size));
  s.header.str_count = htole32(1);
  s.header.lang_count = htole32(1);
  s.language = htole16(0x0409);
  memcpy(s.text, label, label_size);
  if (write_all(ep0, &s, sizeof s.header + sizeof s.language + label_size, "strings") != 0) return 1;
  printf("ready\n");
  fflush(stdout);

  /* Requests to the interface reach us as SETUP events: none is expected (no host driver talks to
   * it), any that comes is stalled (a read answers an IN request with a stall, a write an OUT one). */
  for (;;) {
    struct usb_functionfs_event events[4];
    ssize_t n = read(ep0, events, sizeof events);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      fprintf(stderr, "gadget-phone: reading ep0: %s\n", strerror(errno));
      return 1;
    }
    for (size_t i = 0; i < (size_t)n / sizeof events[0]; ++i) {
      if (events[i].type != FUNCTIONFS_SETUP) continue;
      char byte = 0;
      if (events[i].u.setup.bRequestType & USB_DIR_IN) {
        (void)!read(ep0, &byte, 0);
      } else {
        (void)!write(ep0, &byte, 0);
      }
    }
  }
}

static int claim(const char *node, const char *number) {
  int fd = open(node, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    printf("open-failed %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    return 2;
  }
  unsigned int interface = (unsigned int)strtoul(number, NULL, 10);
  if (ioctl(fd, USBDEVFS_CLAIMINTERFACE, &interface) != 0) {
    printf("refused %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    close(fd);
    return 1;
  }
  printf("claimed\n");
  (void)ioctl(fd, USBDEVFS_RELEASEINTERFACE, &interface);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "serve") == 0) return serve(argv[2], strcmp(argv[3], "mtp") == 0);
  if (argc == 4 && strcmp(argv[1], "claim") == 0) return claim(argv[2], argv[3]);
  fprintf(stderr, "usage: gadget-phone serve DIR mtp|vendor | gadget-phone claim NODE INTERFACE\n");
  return 2;
}
