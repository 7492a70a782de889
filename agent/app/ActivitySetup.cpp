#include "agent/app/ActivitySetup.h"

#include "agent/contentscan/HomePaths.h"
#include "common/Log.h"
#include "common/Uuid7.h"
#include "drivers/linux/CupsPrintSpooler.h"
#include "drivers/linux/FanotifyActivitySource.h"

namespace mamori::agent {

namespace {

class LinuxActivity final : public Capability {
 public:
  LinuxActivity(EventSink& sink, const common::Clock& clock, std::shared_ptr<drivers::SandboxLauncher> sandbox,
                std::shared_ptr<const contentscan::ContentSets> sets)
      : clock_(clock),
        capability_(
            source_, sink, [] { return contentscan::homeDirectories(); }, [this] { return clock_.nowMs(); },
            [this] { return ids_.next(clock_.nowMs()); }) {
    capability_.setExtractionSandbox(std::move(sandbox));
    capability_.setContentSets(std::move(sets));
    capability_.setPrintSpooler(&spooler_);
  }

  std::string name() const override { return capability_.name(); }
  common::Status apply(const policy::Policy& policy) override { return capability_.apply(policy); }

 private:
  const common::Clock& clock_;
  common::Uuid7Generator ids_;  // incident ids: used on the main thread only
  drivers::linux_os::FanotifyActivitySource source_;
  drivers::linux_os::CupsPrintSpooler spooler_;  // the print gate's (activity.printing.mode enforce)
  activity::ActivityCapability capability_;      // declared last: stopped before the source goes
};

}  // namespace

std::unique_ptr<Capability> makeLinuxActivity(EventSink& sink, const common::Clock& clock,
                                              std::shared_ptr<drivers::SandboxLauncher> sandbox,
                                              std::shared_ptr<const contentscan::ContentSets> sets) {
  return std::make_unique<LinuxActivity>(sink, clock, std::move(sandbox), std::move(sets));
}

}  // namespace mamori::agent
