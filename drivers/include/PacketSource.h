#pragma once
// Packets as they pass (Linux: drivers/linux/PacketSniffer, an AF_PACKET socket): network header
// first, cut to the first bytes.

#include <string>
#include <vector>

#include "common/Result.h"

namespace mamori::drivers {

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  virtual int fd() const = 0;  // readable when packets wait
  virtual common::Result<std::vector<std::string>> drain(std::size_t max) = 0;
};

}  // namespace mamori::drivers
