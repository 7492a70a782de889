#pragma once
// Progress of the program search and of the content scan. On a terminal one line redrawn in place (files, bytes,
// files/s, ETA, current folder); otherwise a plain line every few seconds, so logs stay readable.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mamori::inspect {

struct ProgressFigures {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::int64_t totalFiles = 0;  // 0: unknown
  std::int64_t totalBytes = 0;
  double seconds = 0;
  std::string folder;
};

// One line of text for the figures (pure: tests call it). width bounds a terminal line.
std::string progressLine(const ProgressFigures& figures, bool terminal, std::size_t width);

std::string humanBytes(std::int64_t bytes);  // "1.5 GiB"

class Progress {
 public:
  Progress(std::FILE* out, bool terminal, std::chrono::milliseconds plainInterval);
  void setTotals(std::int64_t files, std::int64_t bytes);
  void file(const std::string& path, std::int64_t bytesRead);  // one more file done
  void message(const std::string& text);                       // a line of its own (clears the bar)
  void finish();
  void restart();  // figures and clock from zero (the next phase), the bar cleared

 private:
  void draw(bool force);
  std::FILE* out_;
  bool terminal_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point lastDraw_;
  ProgressFigures figures_;
  bool barShown_ = false;
};

}  // namespace mamori::inspect
