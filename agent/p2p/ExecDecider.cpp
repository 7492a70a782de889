#include "agent/p2p/ExecDecider.h"

#include <unistd.h>

#include <cerrno>

#include "common/ElfNeeded.h"
#include "drivers/linux/FileHashCache.h"

namespace mamori::agent::p2p {

namespace {

// The libraries an ELF file asks for, resolved like the inspection tool does. Whole file read: the
// dynamic section of a large program sits near its end. Anything else (a script, a truncated or
// hostile file) needs nothing.
std::vector<std::string> neededLibraries(int fd, const std::string& path) {
  auto identity = drivers::linux_os::identityOf(fd, path);
  if (!identity || identity.value().size < 64 || identity.value().size > ProcessInspector::kMaxYaraBytes) return {};
  std::string bytes(static_cast<std::size_t>(identity.value().size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (done == 0 &&
        bytes.compare(0, 4,
                      "\x7f"
                      "ELF") != 0 &&
        static_cast<std::size_t>(n) >= 4)
      return {};
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  auto needed = common::elfNeededLibraries(bytes);
  if (!needed) return {};
  return common::resolveNeededLibraries(path, needed.value());
}

}  // namespace

void ExecDecider::apply(const policy::P2pGuardSettings& settings) {
  auto state = std::make_shared<State>();
  state->matcher = std::make_unique<policy::P2pMatcher>(settings);
  state->inspector = std::make_unique<ProcessInspector>("/nonexistent", hashes_);
  state->inspector->setSignatureSets(settings.signatureSets);
  state->deny = settings.mode == policy::Mode::kEnforce && settings.denyExec;
  const std::lock_guard lock(mutex_);
  state_ = std::move(state);
  cache_.clear();
}

ExecDecider::Decision ExecDecider::decide(pid_t pid, int fd, const std::string& path) {
  const std::lock_guard lock(mutex_);
  if (!state_ || !state_->deny || path.empty()) return {};
  if (!scope_.contains(pid, processes_)) return {};
  auto identity = drivers::linux_os::identityOf(fd, path);
  if (!identity) return {};
  const Key key{identity.value().device, identity.value().inode, identity.value().mtimeNs, path};
  if (const auto it = cache_.find(key); it != cache_.end()) return it->second;

  // The file is all there is: the exec has not happened, comm and argv are still the caller's.
  drivers::ProcessInfo info;
  info.pid = 0;  // no /proc link to follow: the inspector reads the path
  info.exePath = path;
  const auto slash = path.rfind('/');
  info.comm = path.substr(slash == std::string::npos ? 0 : slash + 1).substr(0, 15);
  Decision decision;
  decision.facts = state_->inspector->basic(info);
  decision.facts.argv.clear();  // the caller's, not the program's
  // Cheapest first, as in P2pGuard: a known name decides without reading the file (the event's hash
  // is computed after the answer).
  decision.verdict = state_->matcher->evaluate(decision.facts);
  if (!decision.verdict.matched) {
    if (auto hash = hashes_.sha256(fd, path); hash) decision.facts.exeSha256 = hash.value();
    decision.verdict = state_->matcher->evaluate(decision.facts);
  }
  if (!decision.verdict.matched) {
    // Libraries are not mapped yet, but an ELF file names those it needs: a stub over libaria2 or
    // libtorrent is known by them before it runs.
    for (const auto& library : neededLibraries(fd, path)) info.mappings.push_back({library, 0, false});
    if (!info.mappings.empty()) {
      state_->inspector->addHashes(info, decision.facts);
      decision.verdict = state_->matcher->evaluate(decision.facts);
    }
  }
  if (!decision.verdict.matched) {
    state_->inspector->addYara(info, decision.facts);
    decision.verdict = state_->matcher->evaluate(decision.facts);
  }
  decision.allow = !(decision.verdict.matched && decision.verdict.denyExec);
  if (cache_.size() > 8192) cache_.clear();
  cache_.emplace(key, decision);
  return decision;
}

}  // namespace mamori::agent::p2p
