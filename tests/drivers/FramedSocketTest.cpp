// The sandbox channel's framing over a real socketpair: frames, descriptor passing, deadlines,
// a closed peer, and frames above the limit.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <array>
#include <sys/socket.h>
#include <thread>

#include "drivers/linux/FramedSocket.h"

using mamori::common::ErrorKind;
using mamori::common::UniqueFd;
using mamori::drivers::FramedSocket;
using mamori::drivers::SandboxClock;

namespace {
std::pair<FramedSocket, FramedSocket> connectedPair() {
  std::array<int, 2> fds{};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.data()) == 0);
  return {FramedSocket(UniqueFd(fds[0])), FramedSocket(UniqueFd(fds[1]))};
}
auto soon() { return SandboxClock::now() + std::chrono::seconds(5); }
}  // namespace

TEST_CASE("frames arrive whole and in order, empty ones too") {
  auto [a, b] = connectedPair();
  REQUIRE(a.send("hello"));
  REQUIRE(a.send(""));
  const std::string big(3U << 20U, 'z');  // larger than the socket buffer: written in pieces
  std::thread writer([&a = a, &big] { REQUIRE(a.send(big)); });
  auto first = b.receive(soon(), 16U << 20U);
  REQUIRE(first);
  CHECK(first.value().bytes == "hello");
  CHECK_FALSE(first.value().fd.valid());
  auto second = b.receive(soon(), 16U << 20U);
  REQUIRE(second);
  CHECK(second.value().bytes.empty());
  auto third = b.receive(soon(), 16U << 20U);
  writer.join();
  REQUIRE(third);
  CHECK(third.value().bytes == big);
}

namespace {
// The two frames both tests below queue: "before", then head|LARGE|mid|tail sent in parts.
void expectBeforeThenJoined(FramedSocket& b, const std::string& large, UniqueFd& fd) {
  auto first = b.receiveView(soon(), 1U << 20U, fd);
  REQUIRE(first);
  CHECK(first.value() == "before");
  auto joined = b.receiveView(soon(), 1U << 20U, fd);
  REQUIRE(joined);
  CHECK(joined.value() == "head|" + large + "|mid|tail");
}
}  // namespace

TEST_CASE("a frame queued in parts arrives joined, and is read in place until the next receive") {
  auto [a, b] = connectedPair();
  const std::string large(100U << 10U, 'x');  // sent from where it lies, not copied into the queue
  const std::array<std::string_view, 4> parts{"head|", large, "|mid|", "tail"};
  REQUIRE(a.queue("before"));
  REQUIRE(a.queueParts(parts));
  REQUIRE(a.queue("after"));
  REQUIRE(a.flush());
  UniqueFd fd;
  expectBeforeThenJoined(b, large, fd);
  CHECK_FALSE(fd.valid());
  auto last = b.receive(soon(), 1U << 20U);
  REQUIRE(last);
  CHECK(last.value().bytes == "after");
}

TEST_CASE("a frame with a large part is sent whole at once, its tail included, without a flush") {
  auto [a, b] = connectedPair();
  const std::string large(100U << 10U, 'x');
  const std::array<std::string_view, 4> parts{"head|", large, "|mid|", "tail"};
  REQUIRE(a.queue("before"));
  REQUIRE(a.queueParts(parts));  // the queue and the whole frame: nothing is left for a flush
  UniqueFd fd;
  expectBeforeThenJoined(b, large, fd);
  // Larger than the socket buffer: the kernel takes it in pieces that end inside any of the parts.
  const std::string big(3U << 20U, 'y');
  const std::string other((1U << 20U) + 7, 'w');
  const std::array<std::string_view, 5> many{"h", big, "", other, "t"};
  bool sent = false;  // checked after the join: a failed REQUIRE on another thread would end the run
  std::thread writer([&a = a, &many, &sent] { sent = static_cast<bool>(a.queueParts(many)); });
  auto whole = b.receive(soon(), 16U << 20U);
  writer.join();
  CHECK(sent);
  REQUIRE(whole);
  CHECK(whole.value().bytes == "h" + big + other + "t");
}

TEST_CASE("a descriptor travels with its frame") {
  auto [a, b] = connectedPair();
  std::array<int, 2> pipe{};
  REQUIRE(::pipe2(pipe.data(), O_CLOEXEC) == 0);
  REQUIRE(::write(pipe[1], "x", 1) == 1);
  REQUIRE(a.send("with fd", pipe[0]));
  auto got = b.receive(soon(), 1024);
  REQUIRE(got);
  REQUIRE(got.value().fd.valid());
  CHECK(got.value().fd.get() != pipe[0]);
  char c = 0;
  CHECK(::read(got.value().fd.get(), &c, 1) == 1);
  CHECK(c == 'x');
  ::close(pipe[0]);
  ::close(pipe[1]);
}

TEST_CASE("a silent peer times out; an oversized frame is refused; a closed peer is unavailable") {
  {
    auto [a, b] = connectedPair();
    auto silent = b.receive(SandboxClock::now() + std::chrono::milliseconds(50), 1024);
    REQUIRE_FALSE(silent);
    CHECK(silent.error().kind == ErrorKind::kTimedOut);
    // After an error the stream is out of step: the parent stops that worker.
    REQUIRE(a.send(std::string(2048, 'a')));
    auto tooBig = b.receive(soon(), 1024);
    REQUIRE_FALSE(tooBig);
    CHECK(tooBig.error().kind == ErrorKind::kTooLarge);
  }
  auto [a, b] = connectedPair();
  a.close();
  auto closed = b.receive(soon(), 1U << 20U);
  REQUIRE_FALSE(closed);
  CHECK(closed.error().kind == ErrorKind::kUnavailable);
  CHECK(b.send("anyone?").error().kind == ErrorKind::kUnavailable);
}
