#include "agent/guard/ServiceGuard.h"

#include <unistd.h>

#include <QLocalSocket>

#include <cmath>

#include "agent/guard/TokenCheck.h"
#include "agent/report/EventFactory.h"
#include "common/Files.h"
#include "common/Log.h"

namespace mamori::agent::guard {

namespace {

double oneDecimal(double value) { return std::round(value * 10.0) / 10.0; }

}  // namespace

ServiceGuard::ServiceGuard(ServiceGuardSettings settings, drivers::ProcessUsageSource& usage, EventSink& sink,
                           Stop stop, Notify notify, std::int64_t watchdogMs)
    : settings_(std::move(settings)),
      usage_(usage),
      sink_(sink),
      stop_(std::move(stop)),
      notify_(std::move(notify)),
      watchdogMs_(watchdogMs) {}

ServiceGuard::~ServiceGuard() {
  if (server_) server_->close();
}

common::Status ServiceGuard::apply(const policy::Policy& policy) {
  LimitSettings limits = judge_.limits();
  limits.cpuPercent = policy.agentLimits.cpuPercent;
  limits.memoryMib = policy.agentLimits.memoryMib;
  judge_.setLimits(limits);
  return common::Ok{};
}

common::Status ServiceGuard::start() {
  if (watchdogMs_ > 0) {
    // Half the period, as sd_watchdog_enabled(3) advises, so one late tick is not fatal.
    watchdogTimer_.setInterval(static_cast<int>(std::max<std::int64_t>(watchdogMs_ / 2, 1)));
    connect(&watchdogTimer_, &QTimer::timeout, this, [this] { notify_("WATCHDOG=1"); });
    watchdogTimer_.start();
  }
  limitTimer_.setInterval(static_cast<int>(settings_.limitWindowMs));
  connect(&limitTimer_, &QTimer::timeout, this, &ServiceGuard::checkLimits);
  checkLimits();  // the baseline
  limitTimer_.start();
  // Last: without its control socket the agent still protects the PC (the caller logs the error).
  if (!settings_.controlSocket.empty()) {
    server_ = std::make_unique<QLocalServer>();
    // Only the owner (root) may connect; the socket also sits in the 0700 state directory.
    server_->setSocketOptions(QLocalServer::UserAccessOption);
    // A socket file left by a killed agent would make listen() fail; the state lock proves no
    // other agent owns it.
    QLocalServer::removeServer(QString::fromStdString(settings_.controlSocket));
    if (!server_->listen(QString::fromStdString(settings_.controlSocket))) {
      const std::string why = server_->errorString().toStdString();
      server_.reset();
      return common::makeError("cannot listen: " + why, settings_.controlSocket);
    }
    connect(server_.get(), &QLocalServer::newConnection, this, &ServiceGuard::onConnection);
  }
  return common::Ok{};
}

void ServiceGuard::ready() { notify_("READY=1\nSTATUS=running"); }

void ServiceGuard::stopping() {
  limitTimer_.stop();
  notify_("STOPPING=1");
}

void ServiceGuard::checkLimits() {
  // Memory freed since the last window (start-up work, a scan) is returned before it is judged.
  (void)usage_.releaseFreedMemory();
  auto sample = usage_.sample();
  if (!sample) {
    common::log::warning("self-limits: " + sample.error().describe());
    return;
  }
  auto breach = judge_.observe(settings_.nowMs(), sample.value());
  if (!breach || stopRequested_) return;
  auto event = makeDetails();
  event->set("limit.resource", breach->resource);
  event->set("limit.measured", oneDecimal(breach->measured));
  event->set("limit.value", breach->limit);
  event->set("limit.unit", breach->resource == "cpu" ? std::string("percent_of_one_core") : std::string("MiB"));
  event->set("limit.windows", breach->windows);
  event->set("limit.window_seconds", oneDecimal(static_cast<double>(settings_.limitWindowMs) / 1000.0));
  event->set("agent.component", breach->component);
  event->set("agent.component_cpu_percent", oneDecimal(breach->componentCpuPercent));
  event->set("process.memory_mib", oneDecimal(static_cast<double>(sample.value().residentKib) / 1024.0));
  sink_.report("agent.limit_exceeded", common::Severity::Medium, event);
  const std::string why = "over the " + breach->resource + " limit (" + std::to_string(breach->limit) + ") for " +
                          std::to_string(breach->windows) + " windows, busiest thread " + breach->component;
  common::log::warning("self-limits: " + why + "; restarting");
  stopRequested_ = true;
  stop_(kExitLimitExceeded, why);
}

void ServiceGuard::onConnection() {
  while (QLocalSocket* socket = server_->nextPendingConnection()) {
    connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QLocalSocket::readyRead, this, [this, socket] { onReadable(socket); });
    // A client that never finishes its line is dropped; the agent does not wait on it. The timer
    // is a child of the socket, so it goes with it.
    auto* deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, &QLocalSocket::abort);
    deadline->start(5000);
  }
}

void ServiceGuard::onReadable(QLocalSocket* socket) {
  if (!socket->canReadLine()) {
    if (socket->bytesAvailable() > static_cast<qint64>(kMaxControlLine)) socket->abort();
    return;
  }
  std::string line = socket->readLine(static_cast<qint64>(kMaxControlLine) + 2).toStdString();
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  ControlAnswer answer;
  if (auto request = parseControlRequest(line); request) {
    answer = handle(request.value());
  } else {
    answer = {ControlOutcome::Error, request.error().describe()};
  }
  socket->write(QByteArray::fromStdString(formatControlAnswer(answer)));
  socket->flush();
  socket->disconnectFromServer();
}

ControlAnswer ServiceGuard::handle(const ControlRequest& request) {
  switch (request.command) {
    case ControlCommand::Stop:
    case ControlCommand::Remove: return handleStop(request);
    case ControlCommand::Exception: return handleException(request);
    case ControlCommand::Devices:
    case ControlCommand::Request:
      return {ControlOutcome::Error, "exception requests go through the request socket (mamori-agent request)"};
    case ControlCommand::Status: break;
  }
  return {ControlOutcome::Ok, "running, pid " + std::to_string(::getpid())};
}

ControlAnswer ServiceGuard::handleStop(const ControlRequest& request) {
  const bool removal = request.command == ControlCommand::Remove;
  const char* what = removal ? "package removal" : "stop";
  if (!common::fileExists(settings_.tokenHashFile)) {
    // Tamper protection was not set up on this PC (docs/admin.md "Protect the agent with a token").
    common::log::warning(std::string(what) + " accepted: no token hash at " + settings_.tokenHashFile);
  } else {
    std::string refusal;
    auto text = common::readSmallFile(settings_.tokenHashFile, 4096);
    auto digest =
        text ? parseTokenHash(text.value(), settings_.tokenHashFile) : common::Result<std::string>(text.error());
    if (!digest) {
      // A damaged hash file must not open the door: refuse, and say why.
      refusal = "the token hash is unusable: " + digest.error().describe();
    } else if (request.argument.empty()) {
      refusal = "no token given";
    } else if (!tokenMatches(request.argument, digest.value())) {
      refusal = "the token does not match";
    }
    if (!refusal.empty()) {
      auto event = makeDetails();
      event->set("tamper.action", std::string(removal ? "package_removal" : "stop"));
      event->set("tamper.reason", refusal);
      event->set("tamper.token_hash_file", settings_.tokenHashFile);
      sink_.report("agent.tamper", common::Severity::Critical, event);
      common::log::warning(std::string(what) + " refused: " + refusal);
      return {ControlOutcome::Refused, std::string(what) + " refused: " + refusal + " (reported as agent.tamper)"};
    }
  }
  stopRequested_ = true;
  stop_(kExitStopRequested, std::string(what) + " requested with the administrator's token");
  return {ControlOutcome::Ok, "stopping"};
}

ControlAnswer ServiceGuard::handleException(const ControlRequest& request) {
  if (settings_.exceptionInbox.empty()) return {ControlOutcome::Error, "device control is off"};
  if (auto made = common::makeDirectories(settings_.exceptionInbox); !made) {
    return {ControlOutcome::Error, made.error().describe()};
  }
  // The device capability polls this folder and reports device.exception_granted or _refused.
  const std::string file =
      settings_.exceptionInbox + "/ctl-" + std::to_string(settings_.nowMs()) + "-" + std::to_string(::getpid());
  if (auto written = common::writeFileAtomically(file, request.argument + "\n", 0600); !written) {
    return {ControlOutcome::Error, written.error().describe()};
  }
  return {ControlOutcome::Ok,
          "the code was handed to device control; it reports device.exception_granted or "
          "device.exception_refused"};
}

}  // namespace mamori::agent::guard
