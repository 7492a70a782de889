#include "agent/app/SignalWatcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace mamori::agent {

namespace {
volatile std::sig_atomic_t gWriteFd = -1;

void onSignal(int signalNumber) {
  const int savedErrno = errno;
  const unsigned char byte = static_cast<unsigned char>(signalNumber);
  if (gWriteFd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(gWriteFd, &byte, 1);  // full pipe: a stop is already pending
  }
  errno = savedErrno;
}
}  // namespace

common::Result<std::unique_ptr<SignalWatcher>> SignalWatcher::install() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return common::makeError("cannot create the signal pipe", "", errno);
  std::unique_ptr<SignalWatcher> watcher(new SignalWatcher(common::UniqueFd(fds[0]), common::UniqueFd(fds[1])));
  gWriteFd = fds[1];
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signalNumber : {SIGTERM, SIGINT}) {
    if (::sigaction(signalNumber, &action, nullptr) != 0) {
      return common::makeError("cannot install the signal handler", "", errno);
    }
  }
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
  return watcher;
}

SignalWatcher::SignalWatcher(common::UniqueFd readEnd, common::UniqueFd writeEnd)
    : readEnd_(std::move(readEnd)), writeEnd_(std::move(writeEnd)) {
  notifier_ = std::make_unique<QSocketNotifier>(readEnd_.get(), QSocketNotifier::Read);
  connect(notifier_.get(), &QSocketNotifier::activated, this, &SignalWatcher::onReadable);
}

SignalWatcher::~SignalWatcher() {
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  ::sigaction(SIGTERM, &fallback, nullptr);
  ::sigaction(SIGINT, &fallback, nullptr);
  gWriteFd = -1;
}

void SignalWatcher::onReadable() {
  unsigned char bytes[16];
  for (;;) {
    const ssize_t n = ::read(readEnd_.get(), bytes, sizeof bytes);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) emit stopRequested(bytes[i]);
  }
}

}  // namespace mamori::agent
