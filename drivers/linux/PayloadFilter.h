#pragma once
// The classic BPF program an AF_PACKET SOCK_DGRAM socket (network header first) runs in the kernel
// for the packet sniffer: only TCP and UDP packets over IPv4 or IPv6 whose transport payload starts
// with one of the given byte strings reach user space, cut to snapLength bytes. Everything else
// (outgoing copies, later IPv4 fragments, empty segments such as bare ACKs, payloads no rule could
// recognise) is dropped before it wakes the reader. With no prefixes for a protocol, none of its
// packets pass. Pure: prefixes in, instructions out; the kernel runs it (drivers_packet_test).

#include <linux/filter.h>
#include <string>
#include <vector>

#include "common/Result.h"
#include "drivers/include/PacketSource.h"

namespace mamori::drivers::linux_os {

// An error names a prefix of another length; the program stays within BPF's jump range for up to
// about 60 prefixes per protocol (more is an error).
common::Result<std::vector<sock_filter>> buildPayloadFilter(const PayloadPrefixes& prefixes, unsigned snapLength);

}  // namespace mamori::drivers::linux_os
