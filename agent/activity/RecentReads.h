#pragma once
// What each process read recently, to name the source of a copy ("cp a.docx /media/stick/") and the
// inputs of an archive. Pure; bounded per process and in the number of processes.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <vector>

namespace mamori::agent::activity {

class RecentReads {
 public:
  static constexpr std::size_t kPerProcess = 64;
  static constexpr std::int64_t kKeepMs = 120'000;

  void add(pid_t pid, const std::string& path, std::int64_t size, std::int64_t nowMs);
  // The file `pid` most likely copied into `written`: same file name first, else the same size, else
  // nothing (a guess would mislead an analyst).
  std::optional<std::string> sourceOf(pid_t pid, const std::string& written, std::int64_t size) const;
  // The files `pid` read (newest last).
  std::vector<std::string> readsOf(pid_t pid) const;

 private:
  struct Read {
    std::string path;
    std::int64_t size;
    std::int64_t timeMs;
  };
  std::unordered_map<pid_t, std::deque<Read>> reads_;
};

}  // namespace mamori::agent::activity
