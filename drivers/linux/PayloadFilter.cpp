#include "drivers/linux/PayloadFilter.h"

#include <algorithm>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <map>
#include <netinet/in.h>

namespace mamori::drivers::linux_os {

namespace {

constexpr std::size_t kMaxPrefixes = 60;
constexpr std::size_t kMaxMarks = 8;

// A tiny assembler: jumps name labels, resolved to the 8-bit forward offsets classic BPF wants.
class Program {
 public:
  void op(std::uint16_t code, std::uint32_t k = 0) { code_.push_back({code, 0, 0, k}); }
  // Jumps to `yes` when the test holds, else to `no` ("" = the next instruction).
  void jump(std::uint16_t code, std::uint32_t k, const std::string& yes, const std::string& no = "") {
    jumps_.push_back({code_.size(), yes, no});
    code_.push_back({code, 0, 0, k});
  }
  void always(const std::string& to) {
    jumps_.push_back({code_.size(), to, ""});
    code_.push_back({BPF_JMP | BPF_JA, 0, 0, 0});
  }
  void label(const std::string& name) { labels_[name] = code_.size(); }

  common::Result<std::vector<sock_filter>> finish() {
    for (const auto& jump : jumps_) {
      auto offset = [&](const std::string& name) -> common::Result<std::size_t> {
        if (name.empty()) return std::size_t{0};
        const auto found = labels_.find(name);
        if (found == labels_.end() || found->second <= jump.at) return common::makeError("bad jump", name);
        return found->second - jump.at - 1;
      };
      auto yes = offset(jump.yes);
      auto no = offset(jump.no);
      if (!yes || !no) return common::makeError("packet filter: a jump has no target ahead");
      sock_filter& instruction = code_[jump.at];
      if (instruction.code == (BPF_JMP | BPF_JA)) {
        instruction.k = static_cast<std::uint32_t>(yes.value());
        continue;
      }
      if (yes.value() > 255 || no.value() > 255) return common::makeError("packet filter: too many prefixes");
      instruction.jt = static_cast<std::uint8_t>(yes.value());
      instruction.jf = static_cast<std::uint8_t>(no.value());
    }
    return code_;
  }

 private:
  struct Jump {
    std::size_t at;
    std::string yes;
    std::string no;
  };
  std::vector<sock_filter> code_;
  std::vector<Jump> jumps_;
  std::map<std::string, std::size_t> labels_;
};

std::uint32_t bigEndian(const std::string& bytes) {
  std::uint32_t value = 0;
  for (const unsigned char c : bytes) value = value << 8U | c;
  return value;
}

std::uint16_t loadSize(const std::string& bytes) {
  return bytes.size() == 1 ? BPF_B : bytes.size() == 2 ? BPF_H : BPF_W;
}

// Tests the payload at X against each prefix, shortest first: a load past the packet's end ends the
// program (dropped), so a one-byte payload must meet the one-byte prefixes before any longer load.
// Then each mark, its load only after the payload's length (the packet's length less X) was found
// long enough, so a short payload is never dropped by a mark's load before the next mark is tried.
void matchPayload(Program& program, std::vector<std::string> prefixes, const std::vector<PayloadMark>& marks,
                  const std::string& name) {
  std::stable_sort(prefixes.begin(), prefixes.end(),
                   [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
  for (const auto& prefix : prefixes) {
    program.op(BPF_LD | loadSize(prefix) | BPF_IND, 0);
    program.jump(BPF_JMP | BPF_JEQ | BPF_K, bigEndian(prefix), "accept");
  }
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const auto& mark = marks[i];
    const std::string next = name + "-mark-" + std::to_string(i + 1);
    const auto minLength = std::max(mark.minLength, mark.offset + mark.bytes.size());
    program.op(BPF_LD | BPF_W | BPF_LEN);
    program.op(BPF_ALU | BPF_SUB | BPF_X);
    program.jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<std::uint32_t>(minLength), "", next);
    if (mark.maxLength != 0) program.jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<std::uint32_t>(mark.maxLength), next);
    program.op(BPF_LD | loadSize(mark.bytes) | BPF_IND, static_cast<std::uint32_t>(mark.offset));
    program.jump(BPF_JMP | BPF_JEQ | BPF_K, bigEndian(mark.bytes), "accept");
    program.label(next);
  }
  program.always("drop");
}

common::Status checkLength(const std::string& bytes, const char* what) {
  if (bytes.size() == 1 || bytes.size() == 2 || bytes.size() == 4) return common::Ok{};
  return common::makeError(std::string("packet filter: a payload ") + what + " must be 1, 2 or 4 bytes long, not " +
                           std::to_string(bytes.size()));
}

}  // namespace

common::Result<std::vector<sock_filter>> buildPayloadFilter(const PayloadPrefixes& prefixes, unsigned snapLength) {
  for (const auto* list : {&prefixes.tcp, &prefixes.udp}) {
    if (list->size() > kMaxPrefixes) return common::makeError("packet filter: more than 60 payload prefixes");
    for (const auto& prefix : *list) {
      if (auto checked = checkLength(prefix, "prefix"); !checked) return checked.error();
    }
  }
  if (prefixes.udpMarks.size() > kMaxMarks) return common::makeError("packet filter: more than 8 payload marks");
  for (const auto& mark : prefixes.udpMarks) {
    if (auto checked = checkLength(mark.bytes, "mark"); !checked) return checked.error();
    if (mark.offset > 1500) return common::makeError("packet filter: a payload mark's offset is past 1500 bytes");
    if (mark.maxLength != 0 && mark.maxLength < std::max(mark.minLength, mark.offset + mark.bytes.size()))
      return common::makeError("packet filter: a payload mark's longest payload is shorter than its shortest");
  }
  Program p;
  // Loopback shows each packet twice (sent, then received): the sent copy is dropped there. On any
  // other interface what this machine sends exists only as the sent copy, and is kept: it is the
  // local client's own traffic (before issue 5's audit it was dropped everywhere, and a client
  // talking through eth0 was never seen sending anything).
  p.op(BPF_LD | BPF_B | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE));
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, "", "protocol");
  p.op(BPF_LD | BPF_H | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_HATYPE));
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, ARPHRD_LOOPBACK, "drop");
  p.label("protocol");
  p.op(BPF_LD | BPF_H | BPF_ABS, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL));
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, "ipv4");
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, "ipv6", "drop");

  p.label("ipv4");
  p.op(BPF_LD | BPF_H | BPF_ABS, 6);  // flags and fragment offset: a later fragment has no ports
  p.jump(BPF_JMP | BPF_JSET | BPF_K, 0x1FFF, "drop");
  p.op(BPF_LD | BPF_B | BPF_ABS, 9);  // protocol
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, "ipv4-tcp");
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, "ipv4-udp", "drop");
  p.label("ipv4-tcp");
  p.op(BPF_LDX | BPF_B | BPF_MSH, 0);  // X = IPv4 header length
  p.op(BPF_LD | BPF_B | BPF_IND, 12);  // TCP data offset, in the high nibble, in words
  p.op(BPF_ALU | BPF_AND | BPF_K, 0xF0);
  p.op(BPF_ALU | BPF_RSH | BPF_K, 2);
  p.op(BPF_ALU | BPF_ADD | BPF_X);
  p.op(BPF_MISC | BPF_TAX);  // X = where the payload starts
  p.always("tcp");
  p.label("ipv4-udp");
  p.op(BPF_LDX | BPF_B | BPF_MSH, 0);
  p.op(BPF_MISC | BPF_TXA);
  p.op(BPF_ALU | BPF_ADD | BPF_K, 8);  // NOLINT(misc-redundant-expression): BPF_ADD and BPF_K are both 0
  p.op(BPF_MISC | BPF_TAX);
  p.always("udp");

  p.label("ipv6");                    // extension headers are not followed (the classifier does not either)
  p.op(BPF_LD | BPF_B | BPF_ABS, 6);  // next header
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, "ipv6-tcp");
  p.jump(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, "ipv6-udp", "drop");
  p.label("ipv6-tcp");
  p.op(BPF_LD | BPF_B | BPF_ABS, 40 + 12);
  p.op(BPF_ALU | BPF_AND | BPF_K, 0xF0);
  p.op(BPF_ALU | BPF_RSH | BPF_K, 2);
  p.op(BPF_ALU | BPF_ADD | BPF_K, 40);  // NOLINT(misc-redundant-expression): BPF_ADD and BPF_K are both 0
  p.op(BPF_MISC | BPF_TAX);
  p.always("tcp");
  p.label("ipv6-udp");
  p.op(BPF_LDX | BPF_W | BPF_IMM, 40 + 8);  // NOLINT(misc-redundant-expression): BPF_W and BPF_IMM are both 0
  p.always("udp");

  p.label("tcp");
  matchPayload(p, prefixes.tcp, {}, "tcp");
  p.label("udp");
  matchPayload(p, prefixes.udp, prefixes.udpMarks, "udp");
  p.label("accept");
  p.op(BPF_RET | BPF_K, snapLength);
  p.label("drop");
  p.op(BPF_RET | BPF_K, 0);
  return p.finish();
}

}  // namespace mamori::drivers::linux_os
