#include "inspect/PlanFile.h"

#include <algorithm>

#include "common/Utf8.h"

namespace mamori::inspect {

namespace {
constexpr std::size_t kMaxPlanBytes = 4U << 20U;

bool idChar(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'; }
}  // namespace

common::Result<Plan> parsePlan(std::string_view text) {
  if (text.size() > kMaxPlanBytes) return common::makeError("the plan is larger than 4 MiB");
  Plan plan;
  std::size_t lineNumber = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++lineNumber;
    const std::string where = "line " + std::to_string(lineNumber);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    const auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos)
      return common::makeError("expected \"ACTION FINDING-ID\", found one word", where);
    const std::string_view action = line.substr(0, space);
    std::string_view id = line.substr(space + 1);
    while (!id.empty() && (id.front() == ' ' || id.front() == '\t')) id.remove_prefix(1);
    Decision decision = Decision::kNone;
    if (action == "delete")
      decision = Decision::kDelete;
    else if (action == "quarantine")
      decision = Decision::kQuarantine;
    else if (action == "keep")
      decision = Decision::kKeep;
    else
      return common::makeError("unknown action (expected delete, quarantine or keep)", where);
    if (id.size() < 12 || id.size() > 32 || !std::all_of(id.begin(), id.end(), idChar))
      return common::makeError("not a finding id (12 hex digits, as in the report)", where);
    const auto [it, inserted] = plan.emplace(std::string(id), decision);
    if (!inserted && it->second != decision)
      return common::makeError("finding " + std::string(id) + " has two different decisions", where);
  }
  return plan;
}

std::string planTemplate(const std::vector<Finding>& findings) {
  std::string out = "# mamori-inspect plan: change \"keep\" to \"delete\" or \"quarantine\" where the owner agrees.\n";
  for (const auto& f : findings) {
    if (!f.canDelete && !f.canQuarantine) continue;
    out += "keep " + f.id + "  # " + std::string(severityName(f.severity)) + " " + std::string(kindName(f.kind)) + " ";
    // The path is the inspected PC's: a line break (LF, or a lone CR that an editor shows as one and
    // saves as LF) must not end the comment and start a line of the plan, and the staff read the file.
    out += common::visibleText(f.path);
    out += "\n";
  }
  return out;
}

}  // namespace mamori::inspect
