#pragma once
// The few file-system reads the inspection finders need, with errors as values (path + errno) so
// "could not read" ends up in the report instead of being lost.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "common/Result.h"

namespace mamori::inspect {

// The whole regular file, at most maxBytes (larger: an error). Symbolic links are not followed.
common::Result<std::string> readFileBounded(const std::string& path, std::int64_t maxBytes);

// The same through one of the kernel's links to a process's files (/proc/PID/exe, /proc/PID/map_files/
// RANGE): followed, as they name the file the process runs or maps, also when it is deleted or a memfd.
common::Result<std::string> readProcessFileBounded(const std::string& procLink, std::int64_t maxBytes);

// A program file as the P2P recognizer reads it: its first headBytes (what YARA and the ELF reader look
// at: zeros or junk appended to a client must not make it too large to look at) and the SHA-256 of
// the whole file, streamed. A regular file only; a link is followed only when procLink says it is
// one of the kernel's links to a process's files.
struct ProgramBytes {
  std::string head;
  std::string sha256;
  std::int64_t size = 0;
};
// The first n bytes of a regular file (fewer when it is shorter); links are not followed. The program
// search decides by them whether the rest is worth reading.
common::Result<std::string> readFirstBytes(const std::string& path, std::size_t n);

// buffer: a head from an earlier call, handed back for its memory (the program search reads many
// files of up to headBytes; fresh pages for each cost more than the read).
common::Result<ProgramBytes> readProgram(const std::string& path, std::int64_t headBytes, bool procLink = false,
                                         std::string buffer = {});

enum class EntryType { kFile, kDirectory, kOther };

struct DirEntry {
  std::string path;
  std::string name;
  EntryType type = EntryType::kOther;
  bool executable = false;  // any x bit
  std::int64_t size = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

// Visits entries below root up to depth levels (0: only root's own entries), symbolic links never
// followed. onEntry returning false skips descending into that directory. Unreadable directories go
// to onProblem. stop (may be null) ends the walk early.
void walkEntries(const std::string& root, int depth, const std::function<bool(const DirEntry&)>& onEntry,
                 const std::function<void(const std::string&, const std::string&)>& onProblem,
                 const std::atomic<bool>* stop);

bool pathExists(const std::string& path);   // lstat succeeds
bool isDirectory(const std::string& path);  // follows symbolic links (config folders may be links)

}  // namespace mamori::inspect
