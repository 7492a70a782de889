// The proc connector's kernel filter, run by the kernel over a datagram socketpair (the same socket
// filter as on the netlink socket): what the guard uses passes and parses, the rest is dropped.
#include <unistd.h>

#include <doctest/doctest.h>

#include <array>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <string>
#include <sys/socket.h>
#include <vector>

#include "common/UniqueFd.h"
#include "drivers/linux/ProcConnectorFilter.h"
#include "drivers/linux/ProcConnectorParser.h"

using namespace mamori::drivers;
using namespace mamori::drivers::linux_os;

namespace {

std::string datagram(const proc_event& event) {
  return procConnectorMessage(std::string_view(reinterpret_cast<const char*>(&event), sizeof event));  // NOLINT
}

proc_event make(decltype(proc_event::what) what) {
  proc_event event{};
  event.what = what;
  event.timestamp_ns = 123;
  return event;
}
std::string exec(pid_t pid) {
  auto event = make(proc_event::PROC_EVENT_EXEC);
  event.event_data.exec.process_pid = pid;
  event.event_data.exec.process_tgid = pid;
  return datagram(event);
}
std::string fork(pid_t childPid, pid_t childTgid) {
  auto event = make(proc_event::PROC_EVENT_FORK);
  event.event_data.fork.parent_pid = event.event_data.fork.parent_tgid = 1;
  event.event_data.fork.child_pid = childPid;
  event.event_data.fork.child_tgid = childTgid;
  return datagram(event);
}
std::string exitOf(pid_t pid, pid_t tgid) {
  auto event = make(proc_event::PROC_EVENT_EXIT);
  event.event_data.exit.process_pid = pid;
  event.event_data.exit.process_tgid = tgid;
  return datagram(event);
}
std::string other(decltype(proc_event::what) what, pid_t pid) {
  auto event = make(what);
  event.event_data.comm.process_pid = event.event_data.comm.process_tgid = pid;  // same place in each
  return datagram(event);
}

// Sends every datagram through a socketpair whose receiving end runs the filter; what arrives.
std::vector<ProcessEvent> throughFilter(const std::vector<std::string>& datagrams) {
  std::array<int, 2> pair{};
  REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair.data()) == 0);
  const mamori::common::UniqueFd sender(pair[0]);
  const mamori::common::UniqueFd receiver(pair[1]);
  auto program = buildProcConnectorFilter();
  const sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
  REQUIRE(::setsockopt(receiver.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) == 0);
  for (const auto& bytes : datagrams) {
    REQUIRE(::send(sender.get(), bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  }
  std::vector<ProcessEvent> out;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::recv(receiver.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n <= 0) break;
    auto events = parseProcConnectorDatagram(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    CHECK(events.size() == 1);  // nothing passes that the parser would not use
    out.insert(out.end(), events.begin(), events.end());
  }
  return out;
}

}  // namespace

TEST_CASE("the proc connector filter passes execs, process forks and process exits, in order") {
  const auto events = throughFilter({fork(100, 100), exec(100), exitOf(100, 100), exec(0x01020304)});
  REQUIRE(events.size() == 4);
  CHECK(events[0].kind == ProcessEvent::Kind::kFork);
  CHECK(events[0].pid == 100);
  CHECK(events[1].kind == ProcessEvent::Kind::kExec);
  CHECK(events[1].timestampNs == 123);
  CHECK(events[2].kind == ProcessEvent::Kind::kExit);
  CHECK(events[3].pid == 0x01020304);
}

TEST_CASE("the proc connector filter drops threads, other events, the subscription's answer and junk") {
  const auto events = throughFilter({
      fork(101, 100),                                        // a thread is born
      exitOf(101, 100),                                      // a thread ends
      other(proc_event::PROC_EVENT_COMM, 100),               // prctl(PR_SET_NAME)
      other(proc_event::PROC_EVENT_UID, 100),                // setuid
      other(proc_event::PROC_EVENT_SID, 100),                // setsid
      other(proc_event::PROC_EVENT_PTRACE, 100),             // ptrace attach
      other(proc_event::PROC_EVENT_COREDUMP, 100),           // a core dump
      other(proc_event::PROC_EVENT_NONE, 0),                 // the answer to PROC_CN_MCAST_LISTEN
      exec(7).substr(0, NLMSG_HDRLEN + sizeof(cn_msg) + 2),  // cut before the event's type ends
      std::string(8, '\0'),
      exec(8),  // still passes after all that
  });
  REQUIRE(events.size() == 1);
  CHECK(events[0].pid == 8);
}
