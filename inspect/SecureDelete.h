#pragma once
// Deleting what the owner agreed to delete: overwrite the file's bytes in place (random data, fsync),
// then unlink. Whether the old bytes are really gone depends on the file system and the disk; the
// outcome says so in words instead of promising what cannot be promised.

#include <string>

#include "common/Result.h"

namespace mamori::inspect {

struct DeleteOutcome {
  int filesOverwritten = 0;
  std::string caveat;  // empty when overwriting in place is meaningful; else why it may not be
};

// A file, or a folder with everything below it (symbolic links removed, never followed).
common::Result<DeleteOutcome> secureDelete(const std::string& path);

// Why an overwrite of a file on path's file system may leave old copies ("" when none is known):
// copy-on-write (btrfs, ZFS, bcachefs), log-structured (F2FS, NILFS), network or FUSE file systems,
// overlay layers, solid-state disks. From statfs(2) f_type and sysfs' queue/rotational.
std::string overwriteCaveat(const std::string& path);

}  // namespace mamori::inspect
