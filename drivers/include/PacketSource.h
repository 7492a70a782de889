#pragma once
// Packets as they pass (Linux: drivers/linux/PacketSniffer, an AF_PACKET socket): network header
// first, cut to the first bytes. The source reads on a thread of its own and hands each batch to the
// handler there, so whoever looks at a packet can still find the socket that sent it: a short-lived
// connection (a tracker announce) is closed within milliseconds, long before a busy main thread
// would get to it.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

// Bytes a wanted UDP payload carries at a fixed offset, for payloads whose start varies (a UDP
// tracker announce begins with a connection id the tracker chose at random): 1, 2 or 4 bytes at
// `offset`, in payloads of at least `minLength` bytes (at least offset + the bytes' length) and, when
// `maxLength` is not 0, at most `maxLength` bytes (a uTP SYN is a bare 20-byte header).
struct PayloadMark {
  std::size_t offset = 0;
  std::string bytes;
  std::size_t minLength = 0;
  std::size_t maxLength = 0;
};

// The payloads worth a look (what the consumer can recognise), so that the source drops the rest
// before it reaches user space: TCP and UDP payloads starting with one of these, each 1, 2 or 4
// bytes long, and UDP payloads with one of the marks.
struct PayloadPrefixes {
  std::vector<std::string> tcp;
  std::vector<std::string> udp;
  std::vector<PayloadMark> udpMarks;
};

// One packet as the source read it: the IP packet (network header first) and which way it went.
struct CapturedPacket {
  enum class Direction {
    kLoopback,  // on a loopback interface: sent and received here (one copy of the two the kernel shows)
    kSent,      // leaving through another interface: a process of this machine sent it
    kReceived,  // arriving from another host (or another machine's broadcast): a process here only receives it
  };
  std::string bytes;
  Direction direction = Direction::kLoopback;
  // Whether the packet's source is a process of this machine (whose socket may be looked for).
  bool sentHere() const { return direction != Direction::kReceived; }
};

class PacketSource {
 public:
  // Called on the source's thread with each batch of packets; after an error the source stops.
  using Handler = std::function<void(common::Result<std::vector<CapturedPacket>> batch)>;

  virtual ~PacketSource() = default;  // stops the thread: no handler call runs after it returns
  virtual common::Status start(Handler handler) = 0;
};

}  // namespace mamori::drivers
