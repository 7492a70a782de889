#pragma once
// The information records that follow an fanotify event in FID mode (FAN_REPORT_DFID_NAME): for a
// rename, the old and the new directory as a file system id plus a file handle, each with the entry's
// name. Pure: the bytes after fanotify_event_metadata in, records out; the kernel's layout is checked
// rather than trusted, so a record that does not fit its length is an error, never a read past it.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers::linux_os {

struct FidRecord {
  int type = 0;                        // FAN_EVENT_INFO_TYPE_* (e.g. OLD_DFID_NAME, NEW_DFID_NAME)
  std::array<std::uint8_t, 8> fsid{};  // the file system (statfs f_fsid)
  // A struct file_handle as open_by_handle_at() takes it: handle_bytes, handle_type, f_handle.
  std::string handle;
  std::string name;  // the directory entry's name ("" for record types without one)
};

// Parses the records in `bytes` (event_len minus metadata_len bytes). Records of types it does not
// know are skipped by their length.
common::Result<std::vector<FidRecord>> parseFidRecords(std::string_view bytes);

}  // namespace mamori::drivers::linux_os
