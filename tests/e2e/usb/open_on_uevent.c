/* The USB e2e guest's uevent listener (tests/e2e/usb/guest-init.sh): every kernel uevent as
 * "ACTION SUBSYSTEM DEVPATH" in the first log, and for each NVMe or SCSI node added (nvme*, ng*, sd*,
 * sg*, bsg/...), an open of /dev/NAME made the moment its uevent arrives (devtmpfs made the node before
 * the kernel sent it), as "open NAME opened|refused|gone|other:ERRNO DEVPATH" in the second: could
 * anyone use a hot-plugged drive's node before the agent decided? A shell started per uevent came too
 * late (the agent had already unbound the drive).
 * When an sd disk is removed, its number is probed (a node made for it, opened every 0.2 ms): the
 * kernel answers ENXIO while the device gate still allows the freed number and EPERM once the agent
 * has dropped its rule, logged as "freed NAME MAJOR:MINOR allowed_for_us N refused|allowed" (by a child
 * process, so the listener is never held up).
 * With a third log, each sr* and sg* node (a CD/DVD drive's, a USB burner's) is also opened for
 * writing at its uevent, as a burning program would, logged the same way as "wopen ..." there: could a
 * new drive be opened for burning before the agent gave it its rule?
 * Built by prepare_guest.sh with the host's C compiler.
 *   open-on-uevent UEVENT_LOG OPEN_LOG [WRITE_OPEN_LOG] */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int watched(const char* devname) {
  return !strncmp(devname, "nvme", 4) || !strncmp(devname, "ng", 2) || !strncmp(devname, "sd", 2) ||
         !strncmp(devname, "sg", 2) || !strncmp(devname, "bsg/", 4);
}

/* How long the freed number of a removed disk stays allowed by the gate (at most 3 s). */
static void probe_freed(FILE* opens, const char* devname, unsigned major, unsigned minor) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/freed-probe-%u-%u", major, minor);
  unlink(path);
  if (mknod(path, S_IFBLK | 0600, makedev(major, minor)) != 0) return;
  long long start = now_us(), at = start;
  int refused = 0;
  while (at - start < 3000000) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) close(fd);
    else if (errno == EPERM) {
      refused = 1;
      break;
    }
    usleep(200);
    at = now_us();
  }
  fprintf(opens, "freed %s %u:%u allowed_for_us %lld %s\n", devname, major, minor, now_us() - start,
          refused ? "refused" : "allowed");
  fflush(opens);
  unlink(path);
}

/* One open of /dev/NAME with these flags, logged as "WHAT NAME opened|refused|gone|other:ERRNO DEVPATH". */
static void try_open(FILE* log, const char* what, const char* devname, const char* devpath, int flags) {
  char path[512];
  snprintf(path, sizeof path, "/dev/%s", devname);
  int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
  int err = errno;
  if (fd >= 0) {
    close(fd);
    fprintf(log, "%s %s opened %s\n", what, devname, devpath);
  } else if (err == EPERM) {
    fprintf(log, "%s %s refused %s\n", what, devname, devpath);
  } else if (err == ENOENT || err == ENXIO || err == ENODEV) {
    fprintf(log, "%s %s gone %s\n", what, devname, devpath);
  } else {
    fprintf(log, "%s %s other:%s %s\n", what, devname, strerror(err), devpath);
  }
  fflush(log);
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) return 2;
  FILE* events = fopen(argv[1], "a");
  FILE* opens = fopen(argv[2], "a");
  FILE* writes = argc == 4 ? fopen(argv[3], "a") : NULL;
  if (argc == 4 && !writes) return 1;
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
    const char *action = "", *subsystem = "", *devpath = "", *devname = "", *devtype = "";
    unsigned major = 0, minor = 0;
    for (char* p = buf; p < buf + n; p += strlen(p) + 1) {
      if (!strncmp(p, "ACTION=", 7)) action = p + 7;
      else if (!strncmp(p, "SUBSYSTEM=", 10)) subsystem = p + 10;
      else if (!strncmp(p, "DEVPATH=", 8)) devpath = p + 8;
      else if (!strncmp(p, "DEVNAME=", 8)) devname = p + 8;
      else if (!strncmp(p, "DEVTYPE=", 8)) devtype = p + 8;
      else if (!strncmp(p, "MAJOR=", 6)) major = (unsigned)strtoul(p + 6, NULL, 10);
      else if (!strncmp(p, "MINOR=", 6)) minor = (unsigned)strtoul(p + 6, NULL, 10);
    }
    if (!strcmp(action, "add") && watched(devname)) try_open(opens, "open", devname, devpath, O_RDONLY);
    if (writes && !strcmp(action, "add") && (!strncmp(devname, "sr", 2) || !strncmp(devname, "sg", 2))) {
      try_open(writes, "wopen", devname, devpath, O_RDWR);
    }
    fprintf(events, "%s %s %s\n", action, subsystem, devpath);
    fflush(events);
    if (!strcmp(action, "remove") && !strcmp(subsystem, "block") && !strcmp(devtype, "disk") &&
        !strncmp(devname, "sd", 2)) {
      /* In a child, so the listener keeps opening new nodes at their uevents meanwhile. */
      if (fork() == 0) {
        probe_freed(opens, devname, major, minor);
        _exit(0);
      }
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
}
