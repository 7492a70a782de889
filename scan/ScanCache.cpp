#include "scan/ScanCache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "common/Files.h"
#include "common/UniqueFd.h"

namespace mamori::scan {

namespace {

constexpr std::string_view kMagic = "mamori-scan-cache-1\n";
constexpr std::uint64_t kMaxCacheBytes = 1ULL << 30U;

void putU64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8U * static_cast<unsigned>(i))) & 0xFFU));
}
void putString(std::string& out, std::string_view s) {
  putU64(out, s.size());
  out.append(s);
}

struct Reader {
  std::string_view data;
  bool ok = true;

  std::uint64_t u64() {
    if (data.size() < 8) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[i])) << (8U * i);
    data.remove_prefix(8);
    return v;
  }
  std::string string() {
    const std::uint64_t n = u64();
    if (!ok || n > data.size()) {
      ok = false;
      return {};
    }
    std::string s(data.substr(0, n));
    data.remove_prefix(n);
    return s;
  }
};

}  // namespace

ScanCache::ScanCache(std::string path, std::string fingerprint)
    : path_(std::move(path)), fingerprint_(std::move(fingerprint)) {}

std::string ScanCache::encode(const std::string& fingerprint,
                              const std::unordered_map<std::string, std::pair<FileIdentity, FileResult>>& entries) {
  std::string out(kMagic);
  putString(out, fingerprint);
  putU64(out, entries.size());
  for (const auto& [path, entry] : entries) {
    const auto& [id, result] = entry;
    putString(out, path);
    putU64(out, id.device);
    putU64(out, id.inode);
    putU64(out, static_cast<std::uint64_t>(id.size));
    putU64(out, static_cast<std::uint64_t>(id.mtimeNs));
    putU64(out, static_cast<std::uint64_t>(id.ctimeNs));
    putString(out, result.sha256);
    putU64(out, result.hits.size());
    for (const auto& hit : result.hits) {
      putString(out, hit.location);
      putU64(out, static_cast<std::uint64_t>(hit.kind));
      putString(out, hit.name);
      putU64(out, static_cast<std::uint64_t>(hit.count));
    }
    putU64(out, result.notInspected.size());
    for (const auto& skip : result.notInspected) {
      putString(out, skip.location);
      putString(out, skip.reason);
    }
  }
  return out;
}

bool ScanCache::decode(std::string_view data, const std::string& fingerprint,
                       std::unordered_map<std::string, std::pair<FileIdentity, FileResult>>& entries) {
  if (data.substr(0, kMagic.size()) != kMagic) return false;
  Reader in{data.substr(kMagic.size())};
  if (in.string() != fingerprint || !in.ok) return false;
  const std::uint64_t count = in.u64();
  // Each entry takes at least 9 words: a count larger than the data can hold is corruption.
  if (!in.ok || count > in.data.size() / 72) return false;
  for (std::uint64_t i = 0; i < count && in.ok; ++i) {
    std::string path = in.string();
    FileIdentity id;
    id.device = in.u64();
    id.inode = in.u64();
    id.size = static_cast<std::int64_t>(in.u64());
    id.mtimeNs = static_cast<std::int64_t>(in.u64());
    id.ctimeNs = static_cast<std::int64_t>(in.u64());
    FileResult result;
    result.path = path;
    result.size = id.size;
    result.sha256 = in.string();
    const std::uint64_t hits = in.u64();
    for (std::uint64_t h = 0; h < hits && in.ok; ++h) {
      Hit hit;
      hit.location = in.string();
      const std::uint64_t kind = in.u64();
      hit.kind = kind == 0   ? HitKind::kRule
                 : kind == 1 ? HitKind::kDetector
                 : kind == 2 ? HitKind::kFingerprint
                             : HitKind::kEdm;
      hit.name = in.string();
      hit.count = static_cast<std::int64_t>(in.u64());
      result.hits.push_back(std::move(hit));
    }
    const std::uint64_t skips = in.u64();
    for (std::uint64_t s = 0; s < skips && in.ok; ++s) {
      NotInspected skip;
      skip.location = in.string();
      skip.reason = in.string();
      result.notInspected.push_back(std::move(skip));
    }
    if (in.ok) entries[std::move(path)] = {id, std::move(result)};
  }
  return in.ok;
}

common::Status ScanCache::load() {
  const common::UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return common::Ok{};
    return common::makeError("cannot open the scan cache", path_, errno);
  }
  auto read = common::readAll(fd.get(), kMaxCacheBytes);
  if (!read && read.error().kind == common::ErrorKind::kTooLarge) {
    return common::makeError("scan cache too large; ignored", path_);
  }
  if (!read) return common::makeError("cannot read the scan cache", path_, read.error().sysErrno);
  const std::string& data = read.value();
  std::unordered_map<std::string, std::pair<FileIdentity, FileResult>> loaded;
  const std::lock_guard lock(mutex_);
  // Another fingerprint (new rules) or a damaged file: every file is scanned again.
  if (decode(data, fingerprint_, loaded)) entries_ = std::move(loaded);
  return common::Ok{};
}

common::Status ScanCache::save() {
  std::string data;
  {
    const std::lock_guard lock(mutex_);
    const std::size_t before = entries_.size();
    std::erase_if(entries_, [this](const auto& item) {
      if (seen_.count(item.first) != 0) return false;
      struct stat st {};
      return ::lstat(item.first.c_str(), &st) != 0 && errno == ENOENT;
    });
    if (!dirty_ && entries_.size() == before) return common::Ok{};
    data = encode(fingerprint_, entries_);
    dirty_ = false;
  }
  if (auto written = common::writeFileAtomically(path_, data, 0600); !written) {
    return common::makeError("cannot write the scan cache: " + written.error().describe(), path_);
  }
  return common::Ok{};
}

std::optional<FileResult> ScanCache::lookup(const std::string& path, const FileIdentity& identity) {
  const std::lock_guard lock(mutex_);
  seen_[path] = true;
  const auto it = entries_.find(path);
  if (it == entries_.end() || !(it->second.first == identity)) return std::nullopt;
  FileResult result = it->second.second;
  result.fromCache = true;
  return result;
}

void ScanCache::store(const FileIdentity& identity, const FileResult& result) {
  if (!result.cacheable) return;
  const std::lock_guard lock(mutex_);
  seen_[result.path] = true;
  entries_[result.path] = {identity, result};
  dirty_ = true;
}

std::size_t ScanCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace mamori::scan
