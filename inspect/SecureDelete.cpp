#include "inspect/SecureDelete.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <vector>

#include "common/Crypto.h"
#include "common/Files.h"
#include "common/UniqueFd.h"

namespace mamori::inspect {

namespace {

// statfs(2) magic numbers (linux/magic.h), spelled out so the header is not needed.
constexpr unsigned long kBtrfs = 0x9123683EUL;
constexpr unsigned long kZfs = 0x2FC12FC1UL;
constexpr unsigned long kBcachefs = 0xCA451A4EUL;
constexpr unsigned long kF2fs = 0xF2F52010UL;
constexpr unsigned long kNilfs = 0x3434UL;
constexpr unsigned long kNfs = 0x6969UL;
constexpr unsigned long kSmb2 = 0xFE534D42UL;
constexpr unsigned long kCifs = 0xFF534D42UL;
constexpr unsigned long kFuse = 0x65735546UL;
constexpr unsigned long kOverlay = 0x794C7630UL;
constexpr unsigned long kTmpfs = 0x01021994UL;

// "0" in /sys/dev/block/MAJ:MIN/queue/rotational (or its parent disk's, for a partition).
bool onSolidState(dev_t device) {
  const std::string base = "/sys/dev/block/" + std::to_string(major(device)) + ":" + std::to_string(minor(device));
  for (const char* queue : {"/queue/rotational", "/../queue/rotational"}) {
    if (auto text = common::readSmallFile(base + queue, 64)) return text.value().rfind('0', 0) == 0;
  }
  return false;
}

common::Status overwriteFile(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return common::makeError("cannot open for overwriting", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return common::makeError("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return common::makeError("not a regular file", path);
  std::vector<unsigned char> noise(1 << 16);
  common::randomBytes(noise.data(), noise.size());  // one random block repeated: defeats compression, cheap
  off_t done = 0;
  while (done < st.st_size) {
    const auto chunk = static_cast<std::size_t>(std::min<off_t>(st.st_size - done, static_cast<off_t>(noise.size())));
    const ssize_t n = ::pwrite(fd.get(), noise.data(), chunk, done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return common::makeError("cannot overwrite", path, errno);
    done += n;
  }
  if (::fsync(fd.get()) != 0) return common::makeError("cannot flush the overwrite to disk", path, errno);
  return common::Ok{};
}

}  // namespace

std::string overwriteCaveat(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return "the file system could not be identified";
  const auto type = static_cast<unsigned long>(fs.f_type);
  if (type == kBtrfs || type == kZfs || type == kBcachefs)
    return "copy-on-write file system: overwriting writes new blocks, old copies (and snapshots) may remain";
  if (type == kF2fs || type == kNilfs) return "log-structured file system: old blocks remain until cleaned";
  if (type == kNfs || type == kSmb2 || type == kCifs || type == kFuse)
    return "network or FUSE file system: the server decides whether old blocks remain";
  if (type == kOverlay) return "overlay file system: a copy in a lower layer is not touched";
  if (type == kTmpfs) return "";  // memory only: gone at power-off anyway
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && onSolidState(st.st_dev))
    return "solid-state disk: wear levelling may keep the old blocks until the disk erases them";
  return "";
}

common::Result<DeleteOutcome> secureDelete(const std::string& path) {
  DeleteOutcome outcome;
  outcome.caveat = overwriteCaveat(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return common::makeError("cannot delete", path, errno);
  std::error_code ec;
  if (S_ISDIR(st.st_mode)) {
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
        if (auto ok = overwriteFile(it->path().string()); !ok) return ok.error();
        ++outcome.filesOverwritten;
      }
    }
    if (ec) return common::makeError("cannot list: " + ec.message(), path);
    std::filesystem::remove_all(path, ec);
    if (ec) return common::makeError("cannot remove: " + ec.message(), path);
    return outcome;
  }
  if (S_ISREG(st.st_mode)) {
    if (auto ok = overwriteFile(path); !ok) return ok.error();
    ++outcome.filesOverwritten;
  }
  if (::unlink(path.c_str()) != 0) return common::makeError("cannot unlink", path, errno);
  if (st.st_nlink > 1)
    outcome.caveat += (outcome.caveat.empty() ? "" : "; ") +
                      std::string("other hard links to the file remain (now holding overwritten data)");
  return outcome;
}

}  // namespace mamori::inspect
