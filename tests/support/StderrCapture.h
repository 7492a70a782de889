#pragma once
// What the code under test writes on stderr (common::log's lines) while this object lives: descriptor
// 2 goes to a temporary file, and text() reads it back. Restored on destruction.
#include <unistd.h>

#include <cstdio>
#include <string>

namespace mamori::test {

class StderrCapture {
 public:
  StderrCapture() : file_(std::tmpfile()), saved_(::dup(STDERR_FILENO)) {
    std::fflush(stderr);
    if (file_ != nullptr) ::dup2(::fileno(file_), STDERR_FILENO);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    if (saved_ >= 0) {
      ::dup2(saved_, STDERR_FILENO);
      ::close(saved_);
    }
    if (file_ != nullptr) std::fclose(file_);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  std::string text() const {
    std::fflush(stderr);
    std::string out;
    if (file_ == nullptr) return out;
    char buffer[4096];
    for (off_t at = 0;;) {
      const ssize_t got = ::pread(::fileno(file_), buffer, sizeof buffer, at);
      if (got <= 0) break;
      out.append(buffer, static_cast<std::size_t>(got));
      at += got;
    }
    return out;
  }

 private:
  std::FILE* file_;
  int saved_;
};

}  // namespace mamori::test
