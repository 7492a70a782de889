#pragma once
// JSON lines (ECS-style, one event per line) appended to a file, rotated by size:
// path → path.1 → path.2 ... → path.<keep>, the oldest deleted. A batch counts as delivered once
// written and fsync'ed.

#include <cstdint>
#include <string>

#include "collector/siem/Sink.h"
#include "common/UniqueFd.h"

namespace mamori::collector::siem {

class FileSink final : public Sink {
 public:
  FileSink(SinkConfig config, std::string productVersion);
  common::Status send(const std::vector<StoredEvent>& events) override;

 private:
  common::Status open();
  common::Status writeAll(const std::string& data);
  common::Status rotate();

  SinkConfig config_;
  std::string productVersion_;
  common::UniqueFd fd_;
  std::int64_t size_ = 0;
};

// The lines of a batch split where the file reaches maxBytes: pure, for the rotation tests.
// Returns the index of the first line that no longer fits after `currentSize` bytes (lines.size()
// when all fit). A line never fits into a non-empty file it would push past maxBytes; an empty
// file takes at least one line, however long.
std::size_t linesThatFit(const std::vector<std::string>& lines, std::int64_t currentSize, std::int64_t maxBytes);

}  // namespace mamori::collector::siem
