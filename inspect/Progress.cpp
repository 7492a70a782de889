#include "inspect/Progress.h"

#include <unistd.h>

#include <cmath>
#include <sys/ioctl.h>

#include "common/Utf8.h"

namespace mamori::inspect {

std::string humanBytes(std::int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string progressLine(const ProgressFigures& f, bool terminal, std::size_t width) {
  const double rate = f.seconds > 0.05 ? static_cast<double>(f.files) / f.seconds : 0;
  std::string line;
  char buf[160];
  if (f.totalFiles > 0) {
    const int percent = static_cast<int>(std::min<std::int64_t>(100, f.files * 100 / f.totalFiles));
    if (terminal) {
      const int filled = percent / 5;
      line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(20 - filled), '.') + "] ";
    }
    std::snprintf(buf, sizeof buf, "%3d%% %lld/%lld files, %s/%s, %.0f files/s", percent,
                  static_cast<long long>(f.files), static_cast<long long>(f.totalFiles), humanBytes(f.bytes).c_str(),
                  humanBytes(f.totalBytes).c_str(), rate);
    line += buf;
    // ETA by bytes when the bytes dominate, else by files: whichever predicts the longer rest.
    double eta = 0;
    if (f.files > 0 && f.files < f.totalFiles)
      eta = f.seconds * static_cast<double>(f.totalFiles - f.files) / static_cast<double>(f.files);
    if (f.bytes > 0 && f.bytes < f.totalBytes)
      eta = std::max(eta, f.seconds * static_cast<double>(f.totalBytes - f.bytes) / static_cast<double>(f.bytes));
    if (f.files < f.totalFiles) {
      const auto s = static_cast<long long>(std::llround(eta));
      std::snprintf(buf, sizeof buf, ", ETA %lld:%02lld", s / 60, s % 60);
      line += buf;
    }
  } else {
    std::snprintf(buf, sizeof buf, "%lld files, %s, %.0f files/s", static_cast<long long>(f.files),
                  humanBytes(f.bytes).c_str(), rate);
    line += buf;
  }
  if (!f.folder.empty()) {
    line += " | " + common::visibleText(f.folder);  // no terminal control from file names
  }
  if (terminal && line.size() > width && width > 10) line = common::capUtf8(std::move(line), width - 4) + "...";
  return line;
}

Progress::Progress(std::FILE* out, bool terminal, std::chrono::milliseconds plainInterval)
    : out_(out),
      terminal_(terminal),
      interval_(plainInterval),
      start_(std::chrono::steady_clock::now()),
      lastDraw_(start_) {}

void Progress::setTotals(std::int64_t files, std::int64_t bytes) {
  figures_.totalFiles = files;
  figures_.totalBytes = bytes;
}

void Progress::file(const std::string& path, std::int64_t bytesRead) {
  ++figures_.files;
  figures_.bytes += bytesRead;
  figures_.folder = path.substr(0, path.find_last_of('/'));
  draw(false);
}

void Progress::message(const std::string& text) {
  if (terminal_ && barShown_) std::fputs("\r\033[K", out_);
  std::fprintf(out_, "%s\n", text.c_str());
  barShown_ = false;
  std::fflush(out_);
}

void Progress::draw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const auto every = terminal_ ? std::chrono::milliseconds(100) : interval_;
  if (!force && now - lastDraw_ < every) return;
  lastDraw_ = now;
  figures_.seconds = std::chrono::duration<double>(now - start_).count();
  std::size_t width = 80;
  if (terminal_) {
    winsize ws{};
    if (::ioctl(::fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) width = ws.ws_col;
    std::fprintf(out_, "\r\033[K%s", progressLine(figures_, true, width - 1).c_str());
    barShown_ = true;
  } else {
    std::fprintf(out_, "progress: %s\n", progressLine(figures_, false, width).c_str());
  }
  std::fflush(out_);
}

void Progress::restart() {
  if (terminal_ && barShown_) std::fputs("\r\033[K", out_);
  barShown_ = false;
  figures_ = ProgressFigures{};
  start_ = lastDraw_ = std::chrono::steady_clock::now();
  std::fflush(out_);
}

void Progress::finish() {
  draw(true);
  if (terminal_) std::fputs("\n", out_);
  barShown_ = false;
  std::fflush(out_);
}

}  // namespace mamori::inspect
