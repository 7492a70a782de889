#include "inspect/ReportJson.h"

#include <map>

#include "common/JsonText.h"

namespace mamori::inspect {

namespace {

common::JsonValue strings(const std::vector<std::string>& values) {
  auto out = common::json::array();
  for (const auto& v : values) out.items.push_back(common::json::string(v));
  return out;
}

common::JsonValue findingJson(const Finding& f) {
  auto o = common::json::object();
  common::json::set(o, "id", common::json::string(f.id));
  common::json::set(o, "kind", common::json::string(kindName(f.kind)));
  common::json::set(o, "severity", common::json::string(severityName(f.severity)));
  common::json::set(o, "path", common::json::string(f.path));
  common::json::set(o, "reasons", strings(f.reasons));
  if (!f.sha256.empty()) common::json::set(o, "sha256", common::json::string(f.sha256));
  if (f.size >= 0) common::json::set(o, "size", common::json::integer(f.size));
  if (f.pid > 0) common::json::set(o, "pid", common::json::integer(f.pid));
  auto actions = common::json::array();
  if (f.canDelete) actions.items.push_back(common::json::string("delete"));
  if (f.canQuarantine) actions.items.push_back(common::json::string("quarantine"));
  common::json::set(o, "possible_actions", std::move(actions));
  common::json::set(o, "decision", common::json::string(decisionName(f.decision)));
  common::json::set(o, "outcome", common::json::string(f.outcome));
  return o;
}

}  // namespace

common::JsonValue reportToJson(const Report& report) {
  const auto& r = report.run;
  auto run = common::json::object();
  common::json::set(run, "tool_version", common::json::string(r.toolVersion));
  common::json::set(run, "host", common::json::string(r.host));
  common::json::set(run, "os", common::json::string(r.os));
  common::json::set(run, "user", common::json::string(r.user));
  common::json::set(run, "uid", common::json::integer(r.uid));
  common::json::set(run, "as_root", common::json::boolean(r.root));
  common::json::set(run, "started", common::json::string(r.startedUtc));
  common::json::set(run, "finished", common::json::string(r.finishedUtc));
  common::json::set(run, "elapsed_ms", common::json::integer(r.elapsedMs));
  common::json::set(run, "homes", strings(r.homes));
  common::json::set(run, "program_folders", strings(r.programFolders));
  common::json::set(run, "policy", common::json::string(r.policySource));
  common::json::set(run, "policy_version", common::json::integer(r.policyVersion));
  common::json::set(run, "sets", strings(r.sets));
  common::json::set(run, "processes",
                    common::json::string(r.processSource.empty() ? "not inspected" : r.processSource));
  common::json::set(run, "dry_run", common::json::boolean(r.dryRun));
  common::json::set(run, "interrupted", common::json::boolean(r.interrupted));
  common::json::set(run, "files_scanned", common::json::integer(r.filesScanned));
  common::json::set(run, "bytes_read", common::json::integer(r.bytesRead));

  std::map<std::string, std::int64_t> counts{{"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}};
  auto findings = common::json::array();
  for (const auto& f : report.findings) {
    ++counts[std::string(severityName(f.severity))];
    findings.items.push_back(findingJson(f));
  }
  auto summary = common::json::object();
  for (const auto& [name, count] : counts) common::json::set(summary, name, common::json::integer(count));
  common::json::set(summary, "findings", common::json::integer(static_cast<std::int64_t>(report.findings.size())));
  common::json::set(summary, "not_inspected",
                    common::json::integer(static_cast<std::int64_t>(report.notInspected.size())));

  auto skipped = common::json::array();
  for (const auto& n : report.notInspected) {
    auto o = common::json::object();
    common::json::set(o, "path", common::json::string(n.path));
    common::json::set(o, "reason", common::json::string(n.reason));
    skipped.items.push_back(std::move(o));
  }

  auto root = common::json::object();
  common::json::set(root, "format", common::json::string(kReportFormat));
  common::json::set(root, "run", std::move(run));
  common::json::set(root, "summary", std::move(summary));
  common::json::set(root, "findings", std::move(findings));
  common::json::set(root, "not_inspected", std::move(skipped));
  common::json::set(root, "notes", strings(report.notes));
  return root;
}

}  // namespace mamori::inspect
