#include "collector/siem/FileSink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>

#include "collector/siem/Formatters.h"
#include "common/Files.h"

namespace mamori::collector::siem {

std::size_t linesThatFit(const std::vector<std::string>& lines, std::int64_t currentSize, std::int64_t maxBytes) {
  std::int64_t size = currentSize;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto length = static_cast<std::int64_t>(lines[i].size());
    if (size > 0 && size + length > maxBytes) return i;
    size += length;
  }
  return lines.size();
}

FileSink::FileSink(SinkConfig config, std::string productVersion)
    : config_(std::move(config)), productVersion_(std::move(productVersion)) {}

common::Status FileSink::open() {
  if (fd_.valid()) return common::Ok{};
  // 0640: events name users and files; the collector's group (e.g. a log shipper) may read them.
  fd_.reset(::open(config_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_.valid()) return common::makeError("cannot open the JSON lines file", config_.path, errno);
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) {
    const int saved = errno;
    fd_.reset();
    return common::makeError("cannot stat the JSON lines file", config_.path, saved);
  }
  size_ = st.st_size;
  return common::Ok{};
}

common::Status FileSink::writeAll(const std::string& data) {
  if (auto written = common::writeAll(fd_.get(), data, config_.path); !written) {
    fd_.reset();  // reopened next time; a partial line may remain, and the batch is written again
    return common::makeError("cannot write the JSON lines file", config_.path, written.error().sysErrno);
  }
  size_ += static_cast<std::int64_t>(data.size());
  if (::fsync(fd_.get()) != 0) {
    const int saved = errno;
    fd_.reset();
    return common::makeError("cannot fsync the JSON lines file", config_.path, saved);
  }
  return common::Ok{};
}

common::Status FileSink::rotate() {
  fd_.reset();
  const std::string& base = config_.path;
  // Oldest first, so that no rename overwrites a file that still has to move.
  ::unlink((base + "." + std::to_string(config_.keep)).c_str());
  for (int i = config_.keep - 1; i >= 1; --i) {
    const std::string from = base + "." + std::to_string(i);
    if (::rename(from.c_str(), (base + "." + std::to_string(i + 1)).c_str()) != 0 && errno != ENOENT) {
      return common::makeError("cannot rotate the JSON lines file", from, errno);
    }
  }
  if (::rename(base.c_str(), (base + ".1").c_str()) != 0 && errno != ENOENT) {
    return common::makeError("cannot rotate the JSON lines file", base, errno);
  }
  return open();
}

common::Status FileSink::send(const std::vector<StoredEvent>& events) {
  std::vector<std::string> lines;
  lines.reserve(events.size());
  for (const auto& event : events) lines.push_back(formatEcsJson(event, productVersion_) + "\n");
  if (auto opened = open(); !opened) return opened;
  std::size_t next = 0;
  while (next < lines.size()) {
    const std::vector<std::string> rest(lines.begin() + static_cast<std::ptrdiff_t>(next), lines.end());
    const std::size_t fit = linesThatFit(rest, size_, config_.maxBytes);
    std::string chunk;
    for (std::size_t i = 0; i < fit; ++i) chunk += rest[i];
    if (auto written = writeAll(chunk); !written) return written;
    next += fit;
    if (next < lines.size()) {
      if (auto rotated = rotate(); !rotated) return rotated;
    }
  }
  return common::Ok{};
}

}  // namespace mamori::collector::siem
