#pragma once
// The agent as a guarded service (issue 9): readiness and watchdog pings to systemd, the local
// control channel (`mamori-agent ctl ...`: stop only with the administrator's token, else
// agent.tamper), and the self-limits (agent_limits of the policy: over them for a sustained time the
// agent reports agent.limit_exceeded and exits so systemd restarts it).
//
// Threads: everything here runs on the agent's main thread (Qt timers and the local server), so the
// pings also prove that the event loop is not stuck.

#include <Poco/JSON/Object.h>
#include <QLocalServer>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <string>

#include "agent/core/Capability.h"
#include "agent/core/EventSink.h"
#include "agent/guard/ControlProtocol.h"
#include "agent/guard/SelfLimits.h"
#include "common/Event.h"
#include "drivers/include/ProcessUsage.h"

class QLocalSocket;

namespace mamori::agent::guard {

struct ServiceGuardSettings {
  std::string controlSocket;   // the unix socket of `mamori-agent ctl`
  std::string tokenHashFile;   // SHA-256 of the administrator's token; absent file = no protection
  std::string exceptionInbox;  // <state>/exceptions: where `mamori-agent exception CODE` puts a code
  std::int64_t limitWindowMs = 10'000;
  std::function<std::int64_t()> nowMs;
};

class ServiceGuard final : public QObject, public Capability {
  Q_OBJECT

 public:
  // exitCode, why: asks the composition root for a clean stop.
  using Stop = std::function<void(int exitCode, const std::string& why)>;
  // Sends one sd_notify message (drivers/linux/SdNotify; a test records them).
  using Notify = std::function<void(const std::string& message)>;

  ServiceGuard(ServiceGuardSettings settings, drivers::ProcessUsageSource& usage, EventSink& sink, Stop stop,
               Notify notify, std::int64_t watchdogMs);
  ~ServiceGuard() override;

  std::string name() const override { return "self_protection"; }
  // Takes agent_limits.
  common::Status apply(const policy::Policy& policy) override;

  // Opens the control socket and starts pings and limit checks; READY=1 is sent by ready().
  common::Status start();
  void ready();
  void stopping();

  // One control request, answered (also used by the tests without a socket).
  ControlAnswer handle(const ControlRequest& request);
  // One limit check now (the timer calls it every window).
  void checkLimits();

 private:
  void onConnection();
  void onReadable(QLocalSocket* socket);
  ControlAnswer handleStop(const ControlRequest& request);
  ControlAnswer handleException(const ControlRequest& request);

  ServiceGuardSettings settings_;
  drivers::ProcessUsageSource& usage_;
  EventSink& sink_;
  Stop stop_;
  Notify notify_;
  std::int64_t watchdogMs_;
  LimitJudge judge_{LimitSettings{}};
  std::unique_ptr<QLocalServer> server_;
  QTimer watchdogTimer_;
  QTimer limitTimer_;
  bool stopRequested_ = false;
};

// Exit codes the unit file knows (RestartPreventExitStatus / Restart=always).
constexpr int kExitLimitExceeded = 3;  // over agent_limits: systemd restarts the agent
constexpr int kExitStopRequested = 4;  // stopped with the administrator's token: stays stopped

}  // namespace mamori::agent::guard
