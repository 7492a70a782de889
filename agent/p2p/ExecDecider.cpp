#include "agent/p2p/ExecDecider.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "agent/p2p/WineProgram.h"
#include "common/ElfNeeded.h"
#include "common/UniqueFd.h"

namespace mamori::agent::p2p {

namespace {

// The libraries an ELF file asks for, resolved like the inspection tool does. Read up to the YARA
// bound (the dynamic section of a large program sits near the end of its code and data, not of what
// may be appended after them). Anything else (a script, a truncated or hostile file) needs nothing.
std::vector<std::string> neededLibraries(drivers::FileHasher& hashes, int fd, const std::string& path) {
  auto identity = hashes.identity(fd, path);
  if (!identity || identity.value().size < 64) return {};
  std::string bytes(static_cast<std::size_t>(std::min(identity.value().size, ProcessInspector::kMaxYaraBytes)), '\0');
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
  if (isWineLoader(path)) {
    // Wine's loader executes itself again (or its preloader) before it loads anything else: the
    // caller is then the loader, and its argv names the Windows program, which is judged instead of
    // the loader (docs/decisions/0036).
    if (auto caller = processes_.read(pid); caller && isWineLoader(caller.value().exePath)) {
      const std::string program = wineProgramOf(processes_, caller.value());
      if (!program.empty()) return decideWine(caller.value(), path, program);
    }
  }
  auto identity = hashes_.identity(fd, path);
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
  judge(info, fd, path, decision);
  // Allowed by the file itself (its name, hash, libraries, rules): the kernel may stop asking about
  // it. Never Wine's loader: its next exec is judged by the Windows program its argv names.
  decision.byFileAlone = decision.allow && !isWineLoader(path);
  return remember(key, decision);
}

ExecDecider::Decision& ExecDecider::remember(const Key& key, const Decision& decision) {
  if (cache_.size() > 8192) cache_.clear();
  return cache_.insert_or_assign(key, decision).first->second;
}

void ExecDecider::judge(drivers::ProcessInfo& info, int fd, const std::string& path, Decision& decision) {
  // Cheapest first, as in P2pGuard: a known name decides without reading the file (the event's hash
  // is computed after the answer).
  const bool wine = decision.facts.wineProgram;
  decision.verdict = state_->matcher->evaluate(decision.facts);
  if (!decision.verdict.matched) {
    if (auto hash = hashes_.sha256(fd, path); hash)
      (wine ? decision.facts.scriptSha256 : decision.facts.exeSha256) = hash.value();
    decision.verdict = state_->matcher->evaluate(decision.facts);
  }
  if (!decision.verdict.matched && !wine) {
    // Libraries are not mapped yet, but an ELF file names those it needs: a stub over libaria2 or
    // libtorrent is known by them before it runs.
    for (const auto& library : neededLibraries(hashes_, fd, path)) info.mappings.push_back({library, 0, false});
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
}

ExecDecider::Decision ExecDecider::decideWine(const drivers::ProcessInfo& caller, const std::string& loader,
                                              const std::string& program) {
  const common::UniqueFd fd(::open(program.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) return {};  // not there: Wine says so itself
  auto identity = hashes_.identity(fd.get(), program);
  if (!identity) return {};
  const Key key{identity.value().device, identity.value().inode, identity.value().mtimeNs, "wine:" + program};
  Decision decision;
  if (const auto it = cache_.find(key); it != cache_.end()) {
    decision = it->second;
    decision.facts.argv = caller.argv;  // the verdict is the file's; the command line is this caller's
    return decision;
  }
  // The loader is the executable (pid 0: its path is read, not the caller's /proc link); the program
  // is judged like an interpreter's script: its name, hash, rules and version resource.
  drivers::ProcessInfo info;
  info.exePath = loader;
  info.argv = caller.argv;
  info.comm = caller.comm;
  decision.facts = state_->inspector->basic(info);
  decision.facts.scriptPath = program;
  decision.facts.wineProgram = true;
  judge(info, fd.get(), program, decision);
  return remember(key, decision);
}

}  // namespace mamori::agent::p2p
