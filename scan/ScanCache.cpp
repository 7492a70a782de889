#include "scan/ScanCache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <sys/stat.h>

#include "common/Files.h"
#include "common/UniqueFd.h"

namespace mamori::scan {

namespace {

constexpr std::string_view kMagic = "mamori-scan-cache-1\n";
constexpr std::uint64_t kMaxCacheBytes = 1ULL << 30U;

void putU64(std::string& out, std::uint64_t v) {
  char bytes[8];
  for (unsigned i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8U * i)) & 0xFFU);
  out.append(bytes, sizeof bytes);
}
void putString(std::string& out, std::string_view s) {
  putU64(out, s.size());
  out.append(s);
}

void putEntry(std::string& out, std::string_view path, const FileIdentity& id, const FileResult& result) {
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
  std::string_view view() {
    const std::uint64_t n = u64();
    if (!ok || n > data.size()) {
      ok = false;
      return {};
    }
    const std::string_view s = data.substr(0, n);
    data.remove_prefix(n);
    return s;
  }
  std::string string() { return std::string(view()); }
};

// The file's header: false when it is not a cache of this fingerprint.
bool readHeader(Reader& in, std::string_view data, std::string_view fingerprint, std::uint64_t& count) {
  if (data.substr(0, kMagic.size()) != kMagic) return false;
  in.data = data.substr(kMagic.size());
  if (in.view() != fingerprint || !in.ok) return false;
  count = in.u64();
  // Each entry takes at least 9 words: a count larger than the data can hold is corruption.
  return in.ok && count <= in.data.size() / 72;
}

// One entry after its path: the identity, then the result into *result, or only stepped over when
// result is null (clean says whether it holds no hit and no not-inspected part).
FileIdentity readIdentity(Reader& in) {
  FileIdentity id;
  id.device = in.u64();
  id.inode = in.u64();
  id.size = static_cast<std::int64_t>(in.u64());
  id.mtimeNs = static_cast<std::int64_t>(in.u64());
  id.ctimeNs = static_cast<std::int64_t>(in.u64());
  return id;
}

FileIdentity readEntry(Reader& in, FileResult* result, bool& clean) {
  const FileIdentity id = readIdentity(in);
  const std::string_view sha256 = in.view();
  if (result != nullptr) {
    result->size = id.size;
    result->sha256 = sha256;
  }
  const std::uint64_t hits = in.u64();
  for (std::uint64_t h = 0; h < hits && in.ok; ++h) {
    const std::string_view location = in.view();
    const std::uint64_t kind = in.u64();
    const std::string_view name = in.view();
    const auto count = static_cast<std::int64_t>(in.u64());
    if (result == nullptr || !in.ok) continue;
    Hit hit;
    hit.location = location;
    hit.kind = kind == 0   ? HitKind::kRule
               : kind == 1 ? HitKind::kDetector
               : kind == 2 ? HitKind::kFingerprint
                           : HitKind::kEdm;
    hit.name = name;
    hit.count = count;
    result->hits.push_back(std::move(hit));
  }
  const std::uint64_t skips = in.u64();
  for (std::uint64_t s = 0; s < skips && in.ok; ++s) {
    const std::string_view location = in.view();
    const std::string_view reason = in.view();
    if (result == nullptr || !in.ok) continue;
    NotInspected skip;
    skip.location = location;
    skip.reason = reason;
    result->notInspected.push_back(std::move(skip));
  }
  clean = hits == 0 && skips == 0;
  return id;
}

std::size_t hashOf(std::string_view path) { return std::hash<std::string_view>{}(path); }

}  // namespace

ScanCache::ScanCache(std::string path, std::string fingerprint)
    : path_(std::move(path)), fingerprint_(std::move(fingerprint)) {}

std::string ScanCache::encode(const std::string& fingerprint,
                              const std::unordered_map<std::string, std::pair<FileIdentity, FileResult>>& entries) {
  std::string out(kMagic);
  putString(out, fingerprint);
  putU64(out, entries.size());
  for (const auto& [path, entry] : entries) putEntry(out, path, entry.first, entry.second);
  return out;
}

bool ScanCache::decode(std::string_view data, const std::string& fingerprint,
                       std::unordered_map<std::string, std::pair<FileIdentity, FileResult>>& entries) {
  Reader in;
  std::uint64_t count = 0;
  if (!readHeader(in, data, fingerprint, count)) return false;
  for (std::uint64_t i = 0; i < count && in.ok; ++i) {
    std::string path = in.string();
    FileResult result;
    result.path = path;
    bool clean = false;
    const FileIdentity id = readEntry(in, &result, clean);
    if (in.ok) entries[std::move(path)] = {id, std::move(result)};
  }
  return in.ok;
}

std::size_t ScanCache::find(std::string_view path) const {
  if (slots_.empty()) return loaded_.size();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = hashOf(path) & mask;; at = (at + 1) & mask) {
    const std::uint32_t slot = slots_[at];
    if (slot == 0) return loaded_.size();
    if (pathOf(loaded_[slot - 1]) == path) return slot - 1;
  }
}

void ScanCache::index() {
  std::size_t size = 16;
  while (size < loaded_.size() * 2) size *= 2;  // at most half full: short probes
  slots_.assign(size, 0);
  const std::size_t mask = size - 1;
  for (std::size_t i = 0; i < loaded_.size(); ++i) {
    const std::string_view path = pathOf(loaded_[i]);
    for (std::size_t at = hashOf(path) & mask;; at = (at + 1) & mask) {
      std::uint32_t& slot = slots_[at];
      if (slot == 0) {
        slot = static_cast<std::uint32_t>(i + 1);
        break;
      }
      if (pathOf(loaded_[slot - 1]) == path) {
        // The same path twice: the later entry is the one kept, as decode does.
        loaded_[slot - 1].dropped = true;
        slot = static_cast<std::uint32_t>(i + 1);
        break;
      }
    }
  }
}

common::Status ScanCache::load() {
  const common::UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return common::Ok{};
    return common::makeError("cannot open the scan cache", path_, errno);
  }
  // Read in one go into a buffer of the file's size (grown from nothing, a cache of a large tree was
  // copied and cleared again at every doubling).
  struct stat st {};
  const std::size_t sizeHint = ::fstat(fd.get(), &st) == 0 && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
  auto read = common::readAll(fd.get(), kMaxCacheBytes, sizeHint);
  if (!read && read.error().kind == common::ErrorKind::kTooLarge) {
    return common::makeError("scan cache too large; ignored", path_);
  }
  if (!read) return common::makeError("cannot read the scan cache", path_, read.error().sysErrno);
  const std::lock_guard lock(mutex_);
  data_ = std::move(read).value();
  loaded_.clear();
  Reader in;
  std::uint64_t count = 0;
  bool ok = readHeader(in, data_, fingerprint_, count);
  if (ok) loaded_.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; ok && i < count; ++i) {
    const char* start = in.data.data();
    const std::string_view path = in.view();
    bool clean = false;
    (void)readEntry(in, nullptr, clean);
    ok = in.ok;
    if (ok) {
      loaded_.push_back({static_cast<std::uint32_t>(start - data_.data()),
                         static_cast<std::uint32_t>(in.data.data() - start), static_cast<std::uint32_t>(path.size())});
    }
  }
  // Another fingerprint (new rules) or a damaged file: every file is scanned again.
  if (!ok) {
    loaded_.clear();
    data_.clear();
  }
  index();
  state_ = std::make_unique<std::atomic<std::uint8_t>[]>(loaded_.size());
  order_ = std::make_unique<std::atomic<std::uint32_t>[]>(loaded_.size());
  return common::Ok{};
}

common::Status ScanCache::save() {
  std::string data;
  {
    const std::lock_guard lock(mutex_);
    bool removed = false;
    std::size_t kept = added_.size();
    for (std::size_t i = 0; i < loaded_.size(); ++i) {
      Loaded& entry = loaded_[i];
      if (entry.dropped) continue;
      const std::uint8_t state = state_[i].load(std::memory_order_relaxed);
      if ((state & kReplaced) != 0) continue;  // written from added_
      if ((state & kSeen) == 0) {
        const std::string path(pathOf(entry));
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
          entry.dropped = true;
          removed = true;
          continue;
        }
      }
      ++kept;
    }
    if (!dirty_ && !removed) return common::Ok{};
    // Every kept entry in the order this run looked it up; entries not looked up keep theirs, after.
    struct Out {
      std::uint32_t order;
      std::size_t loaded;  // index into loaded_, or loaded_.size() for an entry of added_
      const std::pair<const std::string, Added>* added;
    };
    std::vector<Out> out;
    out.reserve(kept);
    constexpr std::uint32_t kLast = 0xFFFFFFFFU;
    for (std::size_t i = 0; i < loaded_.size(); ++i) {
      if (loaded_[i].dropped || (state_[i].load(std::memory_order_relaxed) & kReplaced) != 0) continue;
      const std::uint32_t order = order_[i].load(std::memory_order_relaxed);
      out.push_back({order == 0 ? kLast : order, i, nullptr});
    }
    for (const auto& item : added_) out.push_back({item.second.order, loaded_.size(), &item});
    std::stable_sort(out.begin(), out.end(), [](const Out& a, const Out& b) { return a.order < b.order; });
    data.reserve(data_.size() + added_.size() * 128);
    data.append(kMagic);
    putString(data, fingerprint_);
    putU64(data, out.size());
    for (const Out& entry : out) {
      if (entry.added == nullptr) {
        data.append(recordOf(loaded_[entry.loaded]));
      } else {
        putEntry(data, entry.added->first, entry.added->second.identity, entry.added->second.result);
      }
    }
    dirty_ = false;
  }
  if (auto written = common::writeFileAtomically(path_, data, 0600); !written) {
    return common::makeError("cannot write the scan cache: " + written.error().describe(), path_);
  }
  return common::Ok{};
}

std::optional<FileResult> ScanCache::lookup(const std::string& path, const FileIdentity& identity) {
  // The loaded entries are read without the lock: nothing changes them while files are looked up.
  const std::size_t at = find(path);
  if (at < loaded_.size()) {
    if (order_[at].load(std::memory_order_relaxed) == 0)
      order_[at].store(nextOrder_.fetch_add(1, std::memory_order_relaxed), std::memory_order_relaxed);
    const std::uint8_t state = state_[at].fetch_or(kSeen, std::memory_order_relaxed);
    if ((state & kReplaced) == 0) {
      const Loaded& entry = loaded_[at];
      Reader in{recordOf(entry)};
      in.data.remove_prefix(8 + entry.pathSize);
      Reader peek = in;
      bool clean = false;
      if (!(readIdentity(peek) == identity)) return std::nullopt;
      FileResult result;
      result.path = path;
      (void)readEntry(in, &result, clean);
      result.fromCache = true;
      return result;
    }
  }
  // Not in the file, or stored again in this run.
  const std::lock_guard lock(mutex_);
  const auto it = added_.find(path);
  if (it == added_.end() || !(it->second.identity == identity)) return std::nullopt;
  FileResult result = it->second.result;
  result.fromCache = true;
  return result;
}

void ScanCache::store(const FileIdentity& identity, const FileResult& result) {
  if (!result.cacheable) return;
  const std::size_t at = find(result.path);
  const std::lock_guard lock(mutex_);
  if (at < loaded_.size()) state_[at].fetch_or(kSeen | kReplaced, std::memory_order_relaxed);
  // In the order of the stores (the scan threads take the walk's files in batches: close to it).
  added_[result.path] = {identity, result, nextOrder_.fetch_add(1, std::memory_order_relaxed)};
  dirty_ = true;
}

std::size_t ScanCache::size() const {
  const std::lock_guard lock(mutex_);
  std::size_t n = added_.size();
  for (std::size_t i = 0; i < loaded_.size(); ++i) {
    if (!loaded_[i].dropped && (state_[i].load(std::memory_order_relaxed) & kReplaced) == 0) ++n;
  }
  return n;
}

}  // namespace mamori::scan
