#pragma once
// A SandboxChannel over a Unix stream socket: each frame is a 4-byte little-endian length and the
// bytes; a descriptor travels as SCM_RIGHTS with the frame's first byte and is handed out with the
// next frame completed (one request is in flight at a time). Both the parent (with deadlines) and the
// worker (blocking) use it. Reads are buffered and queued frames go out together, so a document's
// small answers cost a system call or two, not several per frame. A document's text is copied by
// the kernel only: a large part of a frame is written from where it lies (queueParts) and read
// where it arrived (receiveView).

#include "drivers/include/Sandbox.h"

namespace mamori::drivers {

class FramedSocket : public SandboxChannel {
 public:
  explicit FramedSocket(common::UniqueFd socket) : socket_(std::move(socket)) {}

  common::Status send(std::string_view frame, int fd = -1) override;
  common::Status queue(std::string_view frame) override;
  common::Status queueParts(std::span<const std::string_view> parts) override;
  common::Status flush() override;
  common::Result<SandboxFrame> receive(std::optional<SandboxClock::time_point> deadline, std::size_t maxBytes) override;
  common::Result<std::string_view> receiveView(std::optional<SandboxClock::time_point> deadline, std::size_t maxBytes,
                                               common::UniqueFd& fd) override;

  int fd() const { return socket_.get(); }
  void close() { socket_.reset(); }

 private:
  // Reads at least want more bytes into in_ (more if they are there); descriptors go to pendingFd_.
  common::Status fill(std::size_t want, std::optional<SandboxClock::time_point> deadline);
  common::Status sendAll(std::string_view bytes, int fd);
  // Sends the queue and then the parts with one writev (no descriptor), however much of it the
  // kernel takes per call.
  common::Status sendQueueAnd(std::span<const std::string_view> parts);

  common::UniqueFd socket_;
  // Received bytes not yet handed out are in_[inPos_, inEnd_); in_ is only ever grown, so a read does
  // not clear the room it is about to fill.
  std::string in_;
  std::size_t inPos_ = 0;
  std::size_t inEnd_ = 0;
  common::UniqueFd pendingFd_;  // arrived, goes with the next frame
  std::string out_;             // queued frames, headers included
};

// A worker whose channel is a FramedSocket (the Linux process and the fake thread): the forwarding
// of frames, written once.
class SocketSandboxWorker : public SandboxWorker {
 public:
  explicit SocketSandboxWorker(common::UniqueFd socket) : channel_(std::move(socket)) {}

  common::Status send(std::string_view frame, int fd) override { return channel_.send(frame, fd); }
  common::Status queue(std::string_view frame) override { return channel_.queue(frame); }
  common::Status queueParts(std::span<const std::string_view> parts) override { return channel_.queueParts(parts); }
  common::Status flush() override { return channel_.flush(); }
  common::Result<SandboxFrame> receive(std::optional<SandboxClock::time_point> deadline,
                                       std::size_t maxBytes) override {
    return channel_.receive(deadline, maxBytes);
  }
  common::Result<std::string_view> receiveView(std::optional<SandboxClock::time_point> deadline, std::size_t maxBytes,
                                               common::UniqueFd& fd) override {
    return channel_.receiveView(deadline, maxBytes, fd);
  }

 protected:
  FramedSocket channel_;
};

}  // namespace mamori::drivers
