#include "agent/activity/RecentReads.h"

namespace mamori::agent::activity {

namespace {
std::string baseName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

void RecentReads::add(pid_t pid, const std::string& path, std::int64_t size, std::int64_t nowMs) {
  if (reads_.size() > 4096) {
    for (auto it = reads_.begin(); it != reads_.end();) {
      it = it->second.back().timeMs < nowMs - kKeepMs ? reads_.erase(it) : std::next(it);
    }
    if (reads_.size() > 4096) reads_.clear();
  }
  auto& reads = reads_[pid];
  while (!reads.empty() && (reads.size() >= kPerProcess || reads.front().timeMs < nowMs - kKeepMs)) reads.pop_front();
  reads.push_back({path, size, nowMs});
}

std::optional<std::string> RecentReads::sourceOf(pid_t pid, const std::string& written, std::int64_t size) const {
  const auto found = reads_.find(pid);
  if (found == reads_.end()) return std::nullopt;
  const std::string name = baseName(written);
  for (auto it = found->second.rbegin(); it != found->second.rend(); ++it) {
    if (baseName(it->path) == name && it->path != written) return it->path;
  }
  for (auto it = found->second.rbegin(); it != found->second.rend(); ++it) {
    if (it->size == size && size > 0 && it->path != written) return it->path;
  }
  return std::nullopt;
}

std::vector<std::string> RecentReads::readsOf(pid_t pid) const {
  std::vector<std::string> out;
  if (const auto found = reads_.find(pid); found != reads_.end()) {
    for (const auto& read : found->second) out.push_back(read.path);
  }
  return out;
}

}  // namespace mamori::agent::activity
