#include "drivers/linux/LinuxBlockDevices.h"

#include <fcntl.h>

#include <cerrno>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "common/UniqueFd.h"
#include "drivers/linux/LinuxUsbBus.h"

namespace mamori::drivers::linux_os {

common::Status LinuxBlockDevices::setReadOnly(const std::string& kernelName) { return setFlag(kernelName, 1); }

common::Status LinuxBlockDevices::setWritable(const std::string& kernelName) { return setFlag(kernelName, 0); }

common::Status LinuxBlockDevices::setFlag(const std::string& kernelName, int readOnly) {
  if (!isSafeKernelName(kernelName)) return common::makeError("not a block device name", kernelName);
  const std::string path = devRoot_ + "/" + kernelName;
  // O_NONBLOCK: do not wait for media; read-only open is enough for the ioctl (it needs CAP_SYS_ADMIN).
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return common::makeError("cannot open", path, errno);
  if (::ioctl(fd.get(), BLKROSET, &readOnly) != 0) return common::makeError("BLKROSET failed on", path, errno);
  return common::Ok{};
}

}  // namespace mamori::drivers::linux_os
