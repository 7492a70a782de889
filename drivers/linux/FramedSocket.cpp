#include "drivers/linux/FramedSocket.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>
#include <vector>

namespace mamori::drivers {

namespace {

constexpr std::size_t kHeaderBytes = 4;
constexpr std::size_t kReadChunk = 64U << 10U;       // bytes asked for per read beyond what is needed
constexpr std::size_t kQueueFlush = 256U << 10U;     // queued bytes that are sent without waiting for flush
constexpr std::size_t kLargePart = 16U << 10U;       // a frame's part this large is sent, not copied into the queue
constexpr std::size_t kKeptBuffer = 4 * kReadChunk;  // a receive buffer grown beyond this is not kept

void appendHeader(std::string& out, std::size_t size) {
  for (std::size_t i = 0; i < kHeaderBytes; ++i) out.push_back(static_cast<char>((size >> (8U * i)) & 0xFFU));
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

common::Status FramedSocket::sendAll(std::string_view bytes, int fd) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    iovec iov{const_cast<char*>(bytes.data() + sent), bytes.size() - sent};  // NOLINT: iovec is not const
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
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
      return common::makeError(
          e == EPIPE || e == ECONNRESET || e == EBADF ? common::ErrorKind::kUnavailable : common::kindOfErrno(e),
          "the sandbox worker is gone", {}, e);
    }
    sent += static_cast<std::size_t>(n);
  }
  return common::Ok{};
}

common::Status FramedSocket::sendQueueAnd(std::span<const std::string_view> parts) {
  // What is queued (this frame's header at its end), then the frame's parts from where they lie.
  std::vector<std::string_view> pieces;
  pieces.reserve(parts.size() + 1);
  if (!out_.empty()) pieces.emplace_back(out_);
  for (const std::string_view part : parts) {
    if (!part.empty()) pieces.push_back(part);
  }
  std::vector<iovec> iov(pieces.size());
  std::size_t first = 0;   // the first piece not wholly sent
  std::size_t offset = 0;  // how much of it was
  while (first < pieces.size()) {
    std::size_t count = 0;
    for (std::size_t i = first; i < pieces.size(); ++i) {
      const std::size_t skip = i == first ? offset : 0;
      char* const start = const_cast<char*>(pieces[i].data()) + skip;  // NOLINT: iovec is not const
      iov[count++] = {start, pieces[i].size() - skip};
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      out_.clear();
      return common::makeError(
          e == EPIPE || e == ECONNRESET || e == EBADF ? common::ErrorKind::kUnavailable : common::kindOfErrno(e),
          "the sandbox worker is gone", {}, e);
    }
    auto left = static_cast<std::size_t>(n);
    while (left > 0 && first < pieces.size()) {
      const std::size_t rest = pieces[first].size() - offset;
      if (left < rest) {
        offset += left;
        left = 0;
      } else {
        left -= rest;
        ++first;
        offset = 0;
      }
    }
  }
  out_.clear();
  return common::Ok{};
}

common::Status FramedSocket::queue(std::string_view frame) {
  const std::array<std::string_view, 1> parts{frame};
  return queueParts(parts);
}

common::Status FramedSocket::queueParts(std::span<const std::string_view> parts) {
  std::size_t size = 0;
  for (const std::string_view part : parts) size += part.size();
  if (size > 0xFFFFFFFFU) return common::makeError(common::ErrorKind::kTooLarge, "frame above 4 GiB");
  appendHeader(out_, size);
  // A frame with a large part leaves whole in one writev, none of its parts copied: the queue, then
  // every part from where it lies. (Sending the large part alone left the frame's tail in the queue
  // until the next flush: the reader woke to an incomplete frame, waited again and moved it in its
  // buffer, for every document.)
  if (std::any_of(parts.begin(), parts.end(), [](std::string_view part) { return part.size() >= kLargePart; }))
    return sendQueueAnd(parts);
  for (const std::string_view part : parts) out_.append(part);
  return out_.size() >= kQueueFlush ? flush() : common::Status(common::Ok{});
}

common::Status FramedSocket::flush() {
  if (out_.empty()) return common::Ok{};
  auto sent = sendAll(out_, -1);
  out_.clear();
  return sent;
}

common::Status FramedSocket::send(std::string_view frame, int fd) {
  if (frame.size() > 0xFFFFFFFFU) return common::makeError(common::ErrorKind::kTooLarge, "frame above 4 GiB");
  if (auto flushed = flush(); !flushed) return flushed;
  if (frame.size() >= kQueueFlush) {
    // A large frame is not copied to join its header; the descriptor rides on the header's bytes.
    std::string head;
    appendHeader(head, frame.size());
    if (auto sent = sendAll(head, fd); !sent) return sent;
    return sendAll(frame, -1);
  }
  appendHeader(out_, frame.size());
  out_.append(frame);
  auto sent = sendAll(out_, fd);  // one system call, with the descriptor if there is one
  out_.clear();
  return sent;
}

common::Status FramedSocket::fill(std::size_t want, std::optional<SandboxClock::time_point> deadline) {
  // Room for what is wanted and at least a chunk more. What is not handed out yet moves to the front
  // only when the room is short; in_ only grows (its new room is cleared once, not at every read).
  const std::size_t room = std::max(want, kReadChunk);
  if (in_.size() - inEnd_ < room) {
    if (inPos_ > 0) {
      std::memmove(in_.data(), in_.data() + inPos_, inEnd_ - inPos_);
      inEnd_ -= inPos_;
      inPos_ = 0;
    }
    if (in_.size() - inEnd_ < room) in_.resize(inEnd_ + room);
  }
  const std::size_t target = inEnd_ + want;
  while (inEnd_ < target) {
    if (deadline) {
      if (auto ready = waitReadable(socket_.get(), deadline); !ready) return ready.error();
    }
    iovec iov{in_.data() + inEnd_, in_.size() - inEnd_};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 4)> control{};
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket_.get(), &msg, MSG_CMSG_CLOEXEC);
    const int e = errno;
    if (n > 0) inEnd_ += static_cast<std::size_t>(n);
    if (n < 0 && e == EINTR) continue;
    if (n < 0) {
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
        if (!pendingFd_.valid()) {
          pendingFd_.reset(received);
        } else {
          ::close(received);
        }
      }
    }
    if (n == 0) return common::makeError(common::ErrorKind::kUnavailable, "the other end closed the sandbox channel");
  }
  return common::Ok{};
}

common::Result<std::string_view> FramedSocket::receiveView(std::optional<SandboxClock::time_point> deadline,
                                                           std::size_t maxBytes, common::UniqueFd& fd) {
  if (!socket_.valid()) return common::makeError(common::ErrorKind::kUnavailable, "the sandbox channel is closed");
  // The frame handed out last is done with. A buffer grown for one large part is not kept for the
  // rest of the scan.
  if (inPos_ == inEnd_) inPos_ = inEnd_ = 0;
  if (in_.size() > kKeptBuffer && inEnd_ - inPos_ <= kReadChunk) {
    std::string smaller(kReadChunk, '\0');
    std::memcpy(smaller.data(), in_.data() + inPos_, inEnd_ - inPos_);
    in_.swap(smaller);
    inEnd_ -= inPos_;
    inPos_ = 0;
  }
  if (inEnd_ - inPos_ < kHeaderBytes) {
    if (auto got = fill(kHeaderBytes - (inEnd_ - inPos_), deadline); !got) return got.error();
  }
  std::size_t size = 0;
  for (std::size_t i = 0; i < kHeaderBytes; ++i)
    size |= static_cast<std::size_t>(static_cast<unsigned char>(in_[inPos_ + i])) << (8U * i);
  if (size > maxBytes)
    return common::makeError(
        common::ErrorKind::kTooLarge,
        "sandbox frame of " + std::to_string(size) + " bytes, above the limit of " + std::to_string(maxBytes));
  if (inEnd_ - inPos_ < kHeaderBytes + size) {
    if (auto got = fill(kHeaderBytes + size - (inEnd_ - inPos_), deadline); !got) return got.error();
  }
  fd = std::move(pendingFd_);
  const std::string_view frame(in_.data() + inPos_ + kHeaderBytes, size);
  inPos_ += kHeaderBytes + size;
  return frame;
}

common::Result<SandboxFrame> FramedSocket::receive(std::optional<SandboxClock::time_point> deadline,
                                                   std::size_t maxBytes) {
  SandboxFrame frame;
  auto bytes = receiveView(deadline, maxBytes, frame.fd);
  if (!bytes) return bytes.error();
  frame.bytes.assign(bytes.value());
  return frame;
}

}  // namespace mamori::drivers
