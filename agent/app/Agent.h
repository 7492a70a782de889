#pragma once
// The composition root of mamori-agent: reads the state directory, builds the report pipeline
// (spool, transport, scheduler, uploader, heartbeat), the capabilities over the driver set it is
// given and the synthetic emitter, and runs the clean stop. The concrete drivers are chosen by main()
// (agent/app/LinuxDrivers) or a test (drivers/fake) and handed in as an AgentDrivers set.

#include <QObject>

#include <cstdint>
#include <memory>

#include "agent/app/AgentDrivers.h"
#include "agent/app/AgentOptions.h"
#include "agent/app/SyntheticEmitter.h"
#include "agent/core/CapabilityRegistry.h"
#include "agent/guard/RunMarker.h"
#include "agent/guard/ServiceGuard.h"
#include "agent/policysync/PolicySync.h"
#include "agent/report/EventFactory.h"
#include "agent/report/Heartbeat.h"
#include "agent/report/IdentityStore.h"
#include "agent/report/NotifyingEventSink.h"
#include "agent/report/RetryScheduler.h"
#include "agent/report/Spool.h"
#include "agent/report/SpoolingEventSink.h"
#include "agent/report/Uploader.h"
#include "common/Clock.h"
#include "common/UniqueFd.h"

namespace mamori::agent {

class RequestSetup;

class Agent : public QObject {
  Q_OBJECT

 public:
  static constexpr int kRunning = -1;
  // How long a clean stop may keep uploading (the in-flight batch, then agent.stopped).
  static constexpr int kStopGraceMs = 3000;
  // After that, how long to wait for a request still on the wire before abandoning it.
  static constexpr int kTransportGraceMs = 1000;

  Agent(AgentOptions options, AgentDrivers drivers);
  ~Agent() override;

  // Sets everything up and starts it. kRunning: run the event loop; otherwise the exit code (the
  // reason was logged).
  int start();
  // After the event loop returned: closes the pipeline. False if a request had to be abandoned on
  // its worker thread (main() then ends the process with _Exit).
  bool close();
  int exitCode() const { return exitCode_; }

  // Asks for a clean stop with the given exit code; the event loop quits when it is done.
  void requestStop(int exitCode, const std::string& why);

  // Registers a capability: it gets the policy in force at start and every new one (policy sync).
  // Call from start() before the policy sync starts, in the order capabilities should apply.
  Capability& addCapability(std::unique_ptr<Capability> capability) { return capabilities_.add(std::move(capability)); }

 private:
  int setUpIdentity();
  int setUpGuard();
  void reportPreviousRun();
  void checkDrained();
  common::Event lifecycleEvent(const char* type);

  AgentOptions options_;
  AgentDrivers drivers_;  // before everything made over it: it goes last
  drivers::MachineFacts facts_;
  policy::ReportingSettings reporting_;
  common::SystemClock clock_;
  common::UniqueFd lock_;
  std::unique_ptr<IdentityStore> identity_;
  std::unique_ptr<EventFactory> events_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<RetryScheduler> scheduler_;
  std::unique_ptr<Uploader> uploader_;
  std::unique_ptr<Heartbeat> heartbeat_;
  std::unique_ptr<SpoolingEventSink> sink_;         // before capabilities_: they report through it
  std::unique_ptr<NotifyingEventSink> noticeSink_;  // in front of sink_ when notices are on
  std::unique_ptr<SyntheticEmitter> synthetic_;
  CapabilityRegistry capabilities_;
  std::unique_ptr<PolicySync> policySync_;
  std::vector<Capability*> setUsers_;       // capabilities that scan with content sets (owned by capabilities_)
  std::unique_ptr<RequestSetup> requests_;  // exception requests, with --request-socket
  guard::ServiceGuard* guard_ = nullptr;    // owned by capabilities_
  std::unique_ptr<guard::RunMarker> runMarker_;
  bool syntheticDone_ = false;
  bool stopping_ = false;
  int exitCode_ = kExitOk;
};

}  // namespace mamori::agent
