#include "drivers/linux/FramedSocket.h"

#include <poll.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>

namespace mamori::drivers {

namespace {

constexpr std::size_t kHeaderBytes = 4;

std::array<char, kHeaderBytes> header(std::size_t size) {
  std::array<char, kHeaderBytes> out{};
  for (std::size_t i = 0; i < kHeaderBytes; ++i) out[i] = static_cast<char>((size >> (8U * i)) & 0xFFU);
  return out;
}

// Waits until fd is readable or the deadline passes.
common::Status waitReadable(int fd, std::optional<SandboxClock::time_point> deadline) {
  for (;;) {
    int timeoutMs = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - SandboxClock::now()).count();
      if (left <= 0) return common::makeError(common::ErrorKind::kTimedOut, "no answer before the deadline");
      timeoutMs = static_cast<int>(std::min<long long>(left + 1, 60'000));
    }
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, timeoutMs);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return common::makeError("poll on the sandbox channel failed", {}, errno);
    if (n > 0) return common::Ok{};
  }
}

}  // namespace

common::Status FramedSocket::send(std::string_view frame, int fd) {
  if (frame.size() > 0xFFFFFFFFU) return common::makeError(common::ErrorKind::kTooLarge, "frame above 4 GiB");
  const auto head = header(frame.size());
  std::size_t sent = 0;
  const std::size_t total = kHeaderBytes + frame.size();
  while (sent < total) {
    std::array<iovec, 2> iov{};
    int count = 0;
    if (sent < kHeaderBytes) {
      iov[count++] = {const_cast<char*>(head.data() + sent), kHeaderBytes - sent};  // NOLINT: iovec is not const
      iov[count++] = {const_cast<char*>(frame.data()), frame.size()};               // NOLINT
    } else {
      iov[count++] = {const_cast<char*>(frame.data() + (sent - kHeaderBytes)), total - sent};  // NOLINT
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = static_cast<std::size_t>(count);
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    if (sent == 0 && fd >= 0) {
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    const ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      return common::makeError(e == EPIPE || e == ECONNRESET ? common::ErrorKind::kUnavailable : common::kindOfErrno(e),
                               "the sandbox worker is gone", {}, e);
    }
    sent += static_cast<std::size_t>(n);
  }
  return common::Ok{};
}

common::Status FramedSocket::readExactly(char* out, std::size_t size, std::optional<SandboxClock::time_point> deadline,
                                         common::UniqueFd& fd) {
  std::size_t got = 0;
  while (got < size) {
    if (deadline) {
      if (auto ready = waitReadable(socket_.get(), deadline); !ready) return ready.error();
    }
    iovec iov{out + got, size - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 4)> control{};
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket_.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      return common::makeError(e == ECONNRESET ? common::ErrorKind::kUnavailable : common::kindOfErrno(e),
                               "cannot read from the sandbox channel", {}, e);
    }
    // Descriptors are taken (and any beyond the first closed) before anything else can fail.
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < fds; ++i) {
        int received = -1;
        std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (!fd.valid()) {
          fd.reset(received);
        } else {
          ::close(received);
        }
      }
    }
    if (n == 0) return common::makeError(common::ErrorKind::kUnavailable, "the other end closed the sandbox channel");
    got += static_cast<std::size_t>(n);
  }
  return common::Ok{};
}

common::Result<SandboxFrame> FramedSocket::receive(std::optional<SandboxClock::time_point> deadline,
                                                   std::size_t maxBytes) {
  if (!socket_.valid()) return common::makeError(common::ErrorKind::kUnavailable, "the sandbox channel is closed");
  SandboxFrame frame;
  std::array<char, kHeaderBytes> head{};
  if (auto read = readExactly(head.data(), head.size(), deadline, frame.fd); !read) return read.error();
  std::size_t size = 0;
  for (std::size_t i = 0; i < kHeaderBytes; ++i)
    size |= static_cast<std::size_t>(static_cast<unsigned char>(head[i])) << (8U * i);
  if (size > maxBytes)
    return common::makeError(
        common::ErrorKind::kTooLarge,
        "sandbox frame of " + std::to_string(size) + " bytes, above the limit of " + std::to_string(maxBytes));
  frame.bytes.resize(size);
  if (auto read = readExactly(frame.bytes.data(), size, deadline, frame.fd); !read) return read.error();
  return frame;
}

}  // namespace mamori::drivers
