#include "drivers/linux/ProcConnectorFilter.h"

#include <cstddef>
#include <cstdint>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

namespace mamori::drivers::linux_os {

namespace {

// One event per datagram (the connector sends each on its own): the netlink header, the connector's
// header, then the event. Offsets from the start of the datagram.
constexpr std::uint32_t kEvent = NLMSG_HDRLEN + sizeof(cn_msg);
constexpr std::uint32_t kWhat = kEvent + offsetof(proc_event, what);
constexpr std::uint32_t kForkChildPid = kEvent + offsetof(proc_event, event_data.fork.child_pid);
constexpr std::uint32_t kForkChildTgid = kEvent + offsetof(proc_event, event_data.fork.child_tgid);
constexpr std::uint32_t kExitPid = kEvent + offsetof(proc_event, event_data.exit.process_pid);
constexpr std::uint32_t kExitTgid = kEvent + offsetof(proc_event, event_data.exit.process_tgid);

// Classic BPF loads words in network byte order; the connector writes them in the host's (this
// code is built for little-endian machines only, like the rest of the drivers).
constexpr std::uint32_t loaded(std::uint32_t value) { return __builtin_bswap32(value); }

sock_filter statement(std::uint16_t code, std::uint32_t k) { return {code, 0, 0, k}; }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t ifTrue, std::uint8_t ifFalse) {
  return {code, ifTrue, ifFalse, k};
}

}  // namespace

std::vector<sock_filter> buildProcConnectorFilter() {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  constexpr std::uint32_t kKeep = 0xffffffffU;
  // Jumps count from the next instruction. A load past the end of a short datagram ends the program with 0: dropped.
  return {
      /* 0 */ statement(BPF_LD | BPF_W | BPF_ABS, kWhat),
      /* 1 */ jump(BPF_JMP | BPF_JEQ | BPF_K, loaded(proc_event::PROC_EVENT_EXEC), 11, 0),
      /* 2 */ jump(BPF_JMP | BPF_JEQ | BPF_K, loaded(proc_event::PROC_EVENT_FORK), 1, 0),
      /* 3 */ jump(BPF_JMP | BPF_JEQ | BPF_K, loaded(proc_event::PROC_EVENT_EXIT), 4, 8),
      // fork: a process when the child's pid is its thread group's id
      /* 4 */ statement(BPF_LD | BPF_W | BPF_ABS, kForkChildPid),
      /* 5 */ statement(BPF_MISC | BPF_TAX, 0),
      /* 6 */ statement(BPF_LD | BPF_W | BPF_ABS, kForkChildTgid),
      /* 7 */ jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 5, 4),
      // exit: of a process when the thread that ends is its thread group's leader
      /* 8 */ statement(BPF_LD | BPF_W | BPF_ABS, kExitPid),
      /* 9 */ statement(BPF_MISC | BPF_TAX, 0),
      /* 10 */ statement(BPF_LD | BPF_W | BPF_ABS, kExitTgid),
      /* 11 */ jump(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0),
      /* 12 */ statement(BPF_RET | BPF_K, 0),
      /* 13 */ statement(BPF_RET | BPF_K, kKeep),
  };
}

}  // namespace mamori::drivers::linux_os
