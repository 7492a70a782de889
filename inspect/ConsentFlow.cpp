#include "inspect/ConsentFlow.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/Utf8.h"
#include "inspect/Quarantine.h"
#include "inspect/SecureDelete.h"

namespace mamori::inspect {

namespace {

bool allowed(const Finding& f, Decision d) {
  return d == Decision::kKeep || (d == Decision::kDelete && f.canDelete) ||
         (d == Decision::kQuarantine && f.canQuarantine);
}

std::optional<std::string> readLine(std::FILE* in) {
  char buf[256];
  if (std::fgets(buf, sizeof buf, in) == nullptr) return std::nullopt;  // end of input or Ctrl-C
  std::string line = buf;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

// false: the owner stopped answering (end of input, Ctrl-C): everything not yet decided is kept.
bool prompt(Finding& f, std::size_t index, std::size_t count, const ConsentSettings& s) {
  std::fprintf(s.out, "\n[%zu/%zu] %s  %s\n  %s\n", index, count, std::string(severityName(f.severity)).c_str(),
               std::string(kindName(f.kind)).c_str(), common::visibleText(f.path).c_str());
  for (const auto& r : f.reasons) std::fprintf(s.out, "    - %s\n", common::visibleText(r).c_str());
  std::string choices = f.canQuarantine ? "(d)elete, (q)uarantine or (k)eep" : "(d)elete or (k)eep";
  for (;;) {
    std::fprintf(s.out, "  %s? [k] ", choices.c_str());
    std::fflush(s.out);
    auto line = readLine(s.in);
    if (!line) return false;
    const Decision d = line->empty() ? Decision::kKeep : decisionFromAnswer(*line);
    if (d != Decision::kNone && allowed(f, d)) {
      f.decision = d;
      return true;
    }
    std::fprintf(s.out, "  please answer %s\n", choices.c_str());
  }
}

}  // namespace

Decision decisionFromAnswer(std::string answer) {
  for (auto& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  answer.erase(0, answer.find_first_not_of(" \t"));
  answer.erase(answer.find_last_not_of(" \t") + 1);
  if (answer == "d" || answer == "delete") return Decision::kDelete;
  if (answer == "q" || answer == "quarantine") return Decision::kQuarantine;
  if (answer == "k" || answer == "keep") return Decision::kKeep;
  return Decision::kNone;
}

common::Status decideAndApply(Report& report, const ConsentSettings& s) {
  report.run.dryRun = !s.apply;
  if (!s.apply) {
    report.notes.push_back("dry run: nothing was deleted or moved (run again with --apply to decide)");
    return common::Ok{};
  }
  std::vector<Finding*> actionable;
  for (auto& f : report.findings)
    if (f.canDelete || f.canQuarantine) actionable.push_back(&f);

  if (s.plan) {
    std::set<std::string> used;
    for (auto* f : actionable) {
      const auto it = s.plan->find(f->id);
      if (it == s.plan->end()) continue;
      used.insert(it->first);
      if (!allowed(*f, it->second)) {
        f->outcome = "the plan asks to " + std::string(decisionName(it->second)) + ", which is not possible here: kept";
        f->decision = Decision::kKeep;
        continue;
      }
      f->decision = it->second;
    }
    std::set<std::string> all;
    for (const auto& f : report.findings) all.insert(f.id);
    for (const auto& [id, d] : *s.plan) {
      if (used.count(id)) continue;
      report.notes.push_back(all.count(id) ? "the plan asks to " + std::string(decisionName(d)) + " finding " + id +
                                                 ", which offers no such action: nothing done"
                                           : "the plan names finding " + id + ", which this inspection did not find");
    }
  } else {
    if (s.in == nullptr) return common::makeError("--apply needs a terminal for the questions, or --plan FILE");
    std::size_t i = 0;
    bool answering = true;
    for (auto* f : actionable) {
      if (answering) answering = prompt(*f, ++i, actionable.size(), s);
      if (!answering) break;
    }
    const auto count = [&](Decision d) {
      return std::count_if(actionable.begin(), actionable.end(), [&](const Finding* f) { return f->decision == d; });
    };
    const auto deletes = count(Decision::kDelete);
    const auto quarantines = count(Decision::kQuarantine);
    bool confirmed = false;
    if (answering && deletes + quarantines > 0) {
      std::fprintf(s.out,
                   "\nDelete %ld and quarantine %ld item(s) now? Type yes to go ahead: ", static_cast<long>(deletes),
                   static_cast<long>(quarantines));
      std::fflush(s.out);
      const auto line = readLine(s.in);
      confirmed = line && *line == "yes";
    }
    if (!confirmed) {
      for (auto* f : actionable)
        if (f->decision != Decision::kNone) f->decision = Decision::kKeep;
      if (deletes + quarantines > 0) report.notes.push_back("the owner did not confirm: everything was kept");
    }
  }
  for (auto* f : actionable)
    if (f->decision == Decision::kNone) f->decision = Decision::kKeep;
  for (auto* f : actionable)
    if (f->decision == Decision::kKeep && f->outcome.empty()) f->outcome = "kept";

  // Quarantine first; the originals are deleted only once the archive is safely on disk.
  std::vector<Finding*> toQuarantine;
  for (auto* f : actionable)
    if (f->decision == Decision::kQuarantine) toQuarantine.push_back(f);
  std::vector<Finding*> toDelete;
  if (!toQuarantine.empty()) {
    auto passphrase = s.passphrase ? s.passphrase() : common::Result<std::string>(common::makeError("no passphrase"));
    std::unique_ptr<QuarantineWriter> writer;
    if (passphrase) {
      auto made = QuarantineWriter::create(s.archivePath, passphrase.value());
      if (made)
        writer = std::move(made).value();
      else
        passphrase = made.error();
    }
    if (!writer) {
      for (auto* f : toQuarantine) f->outcome = "not quarantined: " + passphrase.error().describe();
    } else {
      std::vector<Finding*> added;
      for (auto* f : toQuarantine) {
        if (auto ok = writer->add(f->path); ok)
          added.push_back(f);
        else
          f->outcome = "not quarantined: " + ok.error().describe();
      }
      if (auto done = writer->finish(); !done) {
        for (auto* f : added) f->outcome = "not quarantined: " + done.error().describe();
      } else {
        for (auto* f : added) {
          f->outcome = "quarantined into " + s.archivePath;
          toDelete.push_back(f);
        }
      }
    }
  }
  for (auto* f : actionable)
    if (f->decision == Decision::kDelete) toDelete.push_back(f);
  std::set<std::string> caveats;
  for (auto* f : toDelete) {
    auto deleted = secureDelete(f->path);
    const std::string prefix = f->decision == Decision::kQuarantine ? f->outcome + "; original " : "";
    if (!deleted) {
      f->outcome = prefix + "not deleted: " + deleted.error().describe();
      continue;
    }
    f->outcome = prefix + "deleted (overwritten first)";
    if (!deleted.value().caveat.empty()) {
      f->outcome += "; not guaranteed unrecoverable: " + deleted.value().caveat;
      caveats.insert(deleted.value().caveat);
    }
  }
  for (const auto& c : caveats) report.notes.push_back("deleted files may be recoverable: " + c);
  return common::Ok{};
}

}  // namespace mamori::inspect
