#include "agent/app/ActivitySetup.h"

#include "agent/activity/PrintRelease.h"
#include "common/Log.h"
#include "common/Uuid7.h"

namespace mamori::agent {

namespace {

class ActivityWithIds final : public Capability {
 public:
  ActivityWithIds(drivers::FileActivitySource& source, const drivers::HomeDirectories& homes,
                  drivers::PrintSpooler& spooler, EventSink& sink, const common::Clock& clock,
                  std::shared_ptr<drivers::SandboxLauncher> sandbox,
                  std::shared_ptr<const contentscan::ContentSets> sets, const std::string& stateDir)
      : clock_(clock),
        capability_(
            source, sink, [&homes] { return homes.list(); }, [this] { return clock_.nowMs(); },
            [this] { return ids_.next(clock_.nowMs()); }) {
    capability_.setExtractionSandbox(std::move(sandbox));
    capability_.setContentSets(std::move(sets));
    // The print gate's (activity.printing.mode enforce), with its note for `mamori-agent printing release`.
    capability_.setPrintSpooler(&spooler, stateDir + "/" + activity::kPrintGateNoteFile);
  }

  std::string name() const override { return capability_.name(); }
  common::Status apply(const policy::Policy& policy) override { return capability_.apply(policy); }

 private:
  const common::Clock& clock_;
  common::Uuid7Generator ids_;               // incident ids: used on the main thread only
  activity::ActivityCapability capability_;  // declared last: stopped first
};

}  // namespace

std::unique_ptr<Capability> makeActivity(drivers::FileActivitySource& source, const drivers::HomeDirectories& homes,
                                         drivers::PrintSpooler& spooler, EventSink& sink, const common::Clock& clock,
                                         std::shared_ptr<drivers::SandboxLauncher> sandbox,
                                         std::shared_ptr<const contentscan::ContentSets> sets,
                                         const std::string& stateDir) {
  return std::make_unique<ActivityWithIds>(source, homes, spooler, sink, clock, std::move(sandbox), std::move(sets),
                                           stateDir);
}

}  // namespace mamori::agent
