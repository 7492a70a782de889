/* The USB e2e guest's uevent listener (tests/e2e/usb/guest-init.sh): every kernel uevent as
 * "ACTION SUBSYSTEM DEVPATH" in the first log, and for each NVMe node added (nvme*, ng*), an open of
 * /dev/NAME made the moment its uevent arrives (devtmpfs made the node before the kernel sent it), as
 * "open NAME opened|refused|gone|other:ERRNO DEVPATH" in the second: could anyone use a hot-plugged
 * drive's node before the agent decided? A shell started per uevent came too late (the agent had
 * already unbound the drive). Built by prepare_guest.sh with the host's C compiler.
 *   open-on-uevent UEVENT_LOG OPEN_LOG */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  FILE* events = fopen(argv[1], "a");
  FILE* opens = fopen(argv[2], "a");
  int sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
  struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = 1};
  if (!events || !opens || sock < 0 || bind(sock, (struct sockaddr*)&addr, sizeof addr) != 0) return 1;
  int size = 4 << 20;
  setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  static char buf[16384];
  for (;;) {
    ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
    if (n <= 0) continue;
    buf[n] = '\0';
    const char *action = "", *subsystem = "", *devpath = "", *devname = "";
    for (char* p = buf; p < buf + n; p += strlen(p) + 1) {
      if (!strncmp(p, "ACTION=", 7)) action = p + 7;
      else if (!strncmp(p, "SUBSYSTEM=", 10)) subsystem = p + 10;
      else if (!strncmp(p, "DEVPATH=", 8)) devpath = p + 8;
      else if (!strncmp(p, "DEVNAME=", 8)) devname = p + 8;
    }
    if (!strcmp(action, "add") && (!strncmp(devname, "nvme", 4) || !strncmp(devname, "ng", 2))) {
      char path[512];
      snprintf(path, sizeof path, "/dev/%s", devname);
      int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      int err = errno;
      if (fd >= 0) {
        close(fd);
        fprintf(opens, "open %s opened %s\n", devname, devpath);
      } else if (err == EPERM) {
        fprintf(opens, "open %s refused %s\n", devname, devpath);
      } else if (err == ENOENT || err == ENXIO || err == ENODEV) {
        fprintf(opens, "open %s gone %s\n", devname, devpath);
      } else {
        fprintf(opens, "open %s other:%s %s\n", devname, strerror(err), devpath);
      }
      fflush(opens);
    }
    fprintf(events, "%s %s %s\n", action, subsystem, devpath);
    fflush(events);
  }
}
