#pragma once
// The report pipeline as a Capability: a policy's reporting section (batch bounds, spool bounds,
// heartbeat interval, retry backoff) reconfigures the running spool, uploader, heartbeat and retry
// scheduler in place. Command-line overrides (--heartbeat-interval-ms ...) win over the policy:
// they are how an operator or a test pins a value on one machine.

#include <functional>

#include "agent/core/Capability.h"
#include "agent/report/Heartbeat.h"
#include "agent/report/RetryScheduler.h"
#include "agent/report/Spool.h"
#include "agent/report/Uploader.h"
#include "policy/ReportingSettings.h"

namespace mamori::agent {

class ReportingCapability final : public Capability {
 public:
  // overrides adjusts the policy's settings before they are applied (may be empty).
  using Overrides = std::function<policy::ReportingSettings(policy::ReportingSettings)>;

  ReportingCapability(Spool& spool, Uploader& uploader, Heartbeat& heartbeat, RetryScheduler& scheduler,
                      Overrides overrides = {});

  std::string name() const override { return "reporting"; }
  common::Status apply(const policy::Policy& policy) override;

  // What was applied last (after overrides).
  const policy::ReportingSettings& settings() const { return settings_; }

 private:
  Spool& spool_;
  Uploader& uploader_;
  Heartbeat& heartbeat_;
  RetryScheduler& scheduler_;
  Overrides overrides_;
  policy::ReportingSettings settings_;
};

}  // namespace mamori::agent
