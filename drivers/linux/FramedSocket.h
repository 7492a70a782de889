#pragma once
// A SandboxChannel over a Unix stream socket: each frame is a 4-byte little-endian length and the
// bytes; a descriptor travels as SCM_RIGHTS with the frame's first byte. Both the parent (with
// deadlines) and the worker (blocking) use it.

#include "drivers/include/Sandbox.h"

namespace mamori::drivers {

class FramedSocket : public SandboxChannel {
 public:
  explicit FramedSocket(common::UniqueFd socket) : socket_(std::move(socket)) {}

  common::Status send(std::string_view frame, int fd = -1) override;
  common::Result<SandboxFrame> receive(std::optional<SandboxClock::time_point> deadline, std::size_t maxBytes) override;

  int fd() const { return socket_.get(); }
  void close() { socket_.reset(); }

 private:
  // Reads exactly size bytes into out; a descriptor that comes along is kept in fd.
  common::Status readExactly(char* out, std::size_t size, std::optional<SandboxClock::time_point> deadline,
                             common::UniqueFd& fd);

  common::UniqueFd socket_;
};

// A worker whose channel is a FramedSocket (the Linux process and the fake thread): the forwarding
// of frames, written once.
class SocketSandboxWorker : public SandboxWorker {
 public:
  explicit SocketSandboxWorker(common::UniqueFd socket) : channel_(std::move(socket)) {}

  common::Status send(std::string_view frame, int fd) override { return channel_.send(frame, fd); }
  common::Result<SandboxFrame> receive(std::optional<SandboxClock::time_point> deadline,
                                       std::size_t maxBytes) override {
    return channel_.receive(deadline, maxBytes);
  }

 protected:
  FramedSocket channel_;
};

}  // namespace mamori::drivers
