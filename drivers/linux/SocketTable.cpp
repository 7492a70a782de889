#include "drivers/linux/SocketTable.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>

#include "common/Files.h"

namespace mamori::drivers::linux_os {

namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool hexWord(std::string_view text, std::uint32_t& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// "0100007F:1F90": the address as the kernel's 32-bit words in host order, the port in hex.
bool endpoint(std::string_view text, bool ipv6, std::string& address, std::uint16_t& port) {
  const auto colon = text.find(':');
  const std::size_t words = ipv6 ? 4 : 1;
  if (colon != words * 8) return false;
  std::array<std::uint32_t, 4> raw{};
  for (std::size_t w = 0; w < words; ++w) {
    if (!hexWord(text.substr(w * 8, 8), raw[w])) return false;
  }
  std::uint32_t portValue = 0;
  if (!hexWord(text.substr(colon + 1), portValue) || portValue > 0xFFFF) return false;
  port = static_cast<std::uint16_t>(portValue);
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  ::inet_ntop(ipv6 ? AF_INET6 : AF_INET, raw.data(), buffer.data(), buffer.size());
  address = buffer.data();
  return true;
}

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// The target of a namespace link ("net:[4026531840]"), "" when it cannot be read.
std::string linkTarget(const std::string& path) {
  std::array<char, 64> target{};
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
  return n > 0 ? std::string(target.data(), static_cast<std::size_t>(n)) : std::string();
}

std::string namespaceOf(const std::string& procRoot, pid_t pid) {
  return linkTarget(procRoot + "/" + std::to_string(pid) + "/ns/net");
}

bool holdsSocket(const std::string& procRoot, pid_t pid, std::uint64_t inode) {
  const std::string dirPath = procRoot + "/" + std::to_string(pid) + "/fd";
  const std::unique_ptr<DIR, DirCloser> dir(::opendir(dirPath.c_str()));
  if (!dir) return false;
  const std::string wanted = "socket:[" + std::to_string(inode) + "]";
  std::array<char, 64> target{};
  // readdir is safe on a stream no other thread uses, which this one is.
  while (const dirent* entry = ::readdir(dir.get())) {  // NOLINT(concurrency-mt-unsafe)
    if (entry->d_name[0] == '.') continue;
    const std::string link = dirPath + "/" + entry->d_name;
    const ssize_t n = ::readlink(link.c_str(), target.data(), target.size());
    if (n > 0 && std::string_view(target.data(), static_cast<std::size_t>(n)) == wanted) return true;
  }
  return false;
}

}  // namespace

std::vector<SocketEntry> parseProcNetSockets(std::string_view text, bool ipv6) {
  std::vector<SocketEntry> out;
  std::size_t pos = text.find('\n');  // the first line is the header
  while (pos != std::string_view::npos && pos < text.size()) {
    const std::size_t start = pos + 1;
    pos = text.find('\n', start);
    const auto line = text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    const auto f = fields(line);
    // sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.size() < 10) continue;
    SocketEntry entry;
    if (!endpoint(f[1], ipv6, entry.localAddress, entry.localPort)) continue;
    if (!endpoint(f[2], ipv6, entry.remoteAddress, entry.remotePort)) continue;
    const auto [ptr, ec] = std::from_chars(f[9].data(), f[9].data() + f[9].size(), entry.inode);
    if (ec != std::errc() || ptr != f[9].data() + f[9].size() || entry.inode == 0) continue;
    std::uint32_t state = 0;
    if (!hexWord(f[3], state) || state > 0xFF) continue;
    entry.state = static_cast<std::uint8_t>(state);
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<pid_t> findFlowOwner(const std::string& procRoot, const FlowEndpoints& flow,
                                   const std::vector<pid_t>& candidates) {
  // An IPv4 flow may belong to a dual-stack IPv6 socket (many P2P clients listen and connect that
  // way): it is listed in tcp6/udp6 with its addresses as ::ffff:a.b.c.d.
  struct View {
    std::string table;
    bool ipv6;
    std::string prefix;
  };
  const std::string base = flow.tcp ? "tcp" : "udp";
  std::vector<View> views{{base + (flow.ipv6 ? "6" : ""), flow.ipv6, ""}};
  if (!flow.ipv6) views.push_back({base + "6", true, "::ffff:"});
  std::vector<std::uint64_t> inodes;
  for (const auto& view : views) {
    const auto matches = [&](const SocketEntry& e) {
      if (e.localPort != flow.localPort) return false;
      if (e.localAddress != view.prefix + flow.localAddress && e.localAddress != "0.0.0.0" && e.localAddress != "::") {
        return false;
      }
      if (!flow.tcp) return true;  // UDP sockets are often unconnected
      return e.remotePort == flow.remotePort && e.remoteAddress == view.prefix + flow.remoteAddress;
    };
    // The socket table of each network namespace the candidates are in, once: a candidate whose
    // namespace cannot be named (it has exited) says nothing, and one namespace without the socket
    // does not speak for the others.
    std::vector<std::string> namespacesRead;
    for (const pid_t pid : candidates) {
      if (!inodes.empty()) break;
      const std::string dir = procRoot + "/" + std::to_string(pid);
      std::string name = namespaceOf(procRoot, pid);
      if (name.empty()) continue;
      if (std::find(namespacesRead.begin(), namespacesRead.end(), name) != namespacesRead.end()) continue;
      auto text = common::readSmallFile(dir + "/net/" + view.table, 64U << 20U);
      if (!text) continue;
      namespacesRead.push_back(std::move(name));
      for (const auto& entry : parseProcNetSockets(text.value(), view.ipv6)) {
        if (matches(entry)) inodes.push_back(entry.inode);
      }
    }
    if (!inodes.empty()) break;
  }
  for (const std::uint64_t inode : inodes) {
    for (const pid_t pid : candidates) {
      if (holdsSocket(procRoot, pid, inode)) return pid;
    }
  }
  return std::nullopt;
}

std::optional<pid_t> findListener(const std::string& procRoot, const std::string& netnsLink, std::uint16_t port,
                                  const std::vector<pid_t>& candidates) {
  constexpr std::uint8_t kListen = 0x0A;
  const std::string netns = linkTarget(netnsLink);
  if (netns.empty() || port == 0) return std::nullopt;
  // Only the candidates in the flow's namespace: the same port may be listened on in another one.
  std::vector<pid_t> inNamespace;
  for (const pid_t pid : candidates) {
    if (namespaceOf(procRoot, pid) == netns) inNamespace.push_back(pid);
  }
  std::vector<std::uint64_t> inodes;
  for (const pid_t pid : inNamespace) {
    // One namespace, one table: the first candidate whose tables can be read speaks for all.
    const std::string dir = procRoot + "/" + std::to_string(pid) + "/net/";
    auto four = common::readSmallFile(dir + "tcp", 64U << 20U);
    auto six = common::readSmallFile(dir + "tcp6", 64U << 20U);
    if (!four && !six) continue;
    for (const auto& [text, ipv6] : {std::pair{&four, false}, std::pair{&six, true}}) {
      if (!*text) continue;
      for (const auto& entry : parseProcNetSockets(text->value(), ipv6)) {
        if (entry.state == kListen && entry.localPort == port) inodes.push_back(entry.inode);
      }
    }
    break;
  }
  for (const std::uint64_t inode : inodes) {
    for (const pid_t pid : inNamespace) {
      if (holdsSocket(procRoot, pid, inode)) return pid;
    }
  }
  return std::nullopt;
}

}  // namespace mamori::drivers::linux_os
