#pragma once
// Decisions with the owner's consent, then carrying them out. Without --apply nothing is changed (dry
// run). With --apply the decisions come from a plan file (--plan: the plan is the consent) or from
// prompts on the terminal, one per finding, followed by one final "yes" before anything happens.
// Quarantined files go into one encrypted archive (Quarantine.h) which is flushed to disk before the
// originals are deleted (SecureDelete.h).

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "common/Result.h"
#include "inspect/PlanFile.h"
#include "inspect/Report.h"

namespace mamori::inspect {

struct ConsentSettings {
  bool apply = false;
  std::optional<Plan> plan;  // set: no prompts
  std::FILE* in = stdin;     // prompts (when no plan)
  std::FILE* out = stderr;
  std::string archivePath;  // where quarantined files go
  // Asked only when something is to be quarantined.
  std::function<common::Result<std::string>()> passphrase;
};

// Fills each finding's decision and outcome; notes in report.notes. An error only when nothing could
// be decided at all (e.g. --apply without a plan and without a terminal).
common::Status decideAndApply(Report& report, const ConsentSettings& settings);

// Pure: the decision a prompt's answer means ("d", "delete", "q", ...), kNone when it means nothing.
Decision decisionFromAnswer(std::string answer);

}  // namespace mamori::inspect
