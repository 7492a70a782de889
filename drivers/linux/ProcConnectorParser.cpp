#include "drivers/linux/ProcConnectorParser.h"

#include <cstring>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

namespace mamori::drivers::linux_os {

std::vector<ProcessEvent> parseProcConnectorDatagram(std::string_view bytes) {
  std::vector<ProcessEvent> out;
  std::size_t offset = 0;
  // offset may pass the end by the alignment padding of the last message: compare before subtracting.
  while (offset < bytes.size() && bytes.size() - offset >= sizeof(nlmsghdr)) {
    nlmsghdr header{};
    std::memcpy(&header, bytes.data() + offset, sizeof header);
    if (header.nlmsg_len < sizeof(nlmsghdr) || header.nlmsg_len > bytes.size() - offset) break;
    const std::string_view payload = bytes.substr(offset + NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
    offset += NLMSG_ALIGN(header.nlmsg_len);
    if (header.nlmsg_type == NLMSG_ERROR || header.nlmsg_type == NLMSG_OVERRUN) continue;
    if (payload.size() < sizeof(cn_msg)) continue;
    cn_msg message{};
    std::memcpy(&message, payload.data(), sizeof message);
    if (message.id.idx != CN_IDX_PROC || message.id.val != CN_VAL_PROC) continue;
    const std::string_view data = payload.substr(sizeof(cn_msg));
    if (message.len > data.size() || data.size() < sizeof(proc_event)) continue;
    proc_event event{};
    std::memcpy(&event, data.data(), sizeof event);
    if (event.what == proc_event::PROC_EVENT_FORK &&
        event.event_data.fork.child_pid == event.event_data.fork.child_tgid) {
      out.push_back({ProcessEvent::Kind::kFork, event.event_data.fork.child_tgid, event.timestamp_ns});
    } else if (event.what == proc_event::PROC_EVENT_EXEC) {
      out.push_back({ProcessEvent::Kind::kExec, event.event_data.exec.process_tgid, event.timestamp_ns});
    } else if (event.what == proc_event::PROC_EVENT_EXIT &&
               event.event_data.exit.process_pid == event.event_data.exit.process_tgid) {
      out.push_back({ProcessEvent::Kind::kExit, event.event_data.exit.process_tgid, event.timestamp_ns});
    }
  }
  return out;
}

std::string procConnectorMessage(std::string_view payload) {
  // cn_msg ends in a flexible array, so it cannot be a member of a struct with the payload after it.
  std::string bytes(NLMSG_SPACE(sizeof(cn_msg) + payload.size()), '\0');
  nlmsghdr header{};
  header.nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + payload.size());
  header.nlmsg_type = NLMSG_DONE;
  cn_msg message{};
  message.id.idx = CN_IDX_PROC;
  message.id.val = CN_VAL_PROC;
  message.len = static_cast<decltype(message.len)>(payload.size());
  std::memcpy(bytes.data(), &header, sizeof header);
  std::memcpy(bytes.data() + NLMSG_HDRLEN, &message, sizeof message);
  std::memcpy(bytes.data() + NLMSG_HDRLEN + sizeof message, payload.data(), payload.size());
  bytes.resize(header.nlmsg_len);
  return bytes;
}

}  // namespace mamori::drivers::linux_os
