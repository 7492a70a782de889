#include "inspect/ReportJson.h"

#include <map>

#include "inspect/JsonText.h"

namespace mamori::inspect {

namespace {

policy::JsonValue strings(const std::vector<std::string>& values) {
  auto out = json::array();
  for (const auto& v : values) out.items.push_back(json::string(v));
  return out;
}

policy::JsonValue findingJson(const Finding& f) {
  auto o = json::object();
  json::set(o, "id", json::string(f.id));
  json::set(o, "kind", json::string(kindName(f.kind)));
  json::set(o, "severity", json::string(severityName(f.severity)));
  json::set(o, "path", json::string(f.path));
  json::set(o, "reasons", strings(f.reasons));
  if (!f.sha256.empty()) json::set(o, "sha256", json::string(f.sha256));
  if (f.size >= 0) json::set(o, "size", json::integer(f.size));
  if (f.pid > 0) json::set(o, "pid", json::integer(f.pid));
  auto actions = json::array();
  if (f.canDelete) actions.items.push_back(json::string("delete"));
  if (f.canQuarantine) actions.items.push_back(json::string("quarantine"));
  json::set(o, "possible_actions", std::move(actions));
  json::set(o, "decision", json::string(decisionName(f.decision)));
  json::set(o, "outcome", json::string(f.outcome));
  return o;
}

}  // namespace

policy::JsonValue reportToJson(const Report& report) {
  const auto& r = report.run;
  auto run = json::object();
  json::set(run, "tool_version", json::string(r.toolVersion));
  json::set(run, "host", json::string(r.host));
  json::set(run, "os", json::string(r.os));
  json::set(run, "user", json::string(r.user));
  json::set(run, "uid", json::integer(r.uid));
  json::set(run, "as_root", json::boolean(r.root));
  json::set(run, "started", json::string(r.startedUtc));
  json::set(run, "finished", json::string(r.finishedUtc));
  json::set(run, "elapsed_ms", json::integer(r.elapsedMs));
  json::set(run, "homes", strings(r.homes));
  json::set(run, "program_folders", strings(r.programFolders));
  json::set(run, "policy", json::string(r.policySource));
  json::set(run, "policy_version", json::integer(r.policyVersion));
  json::set(run, "processes", json::string(r.processSource.empty() ? "not inspected" : r.processSource));
  json::set(run, "dry_run", json::boolean(r.dryRun));
  json::set(run, "interrupted", json::boolean(r.interrupted));
  json::set(run, "files_scanned", json::integer(r.filesScanned));
  json::set(run, "bytes_read", json::integer(r.bytesRead));

  std::map<std::string, std::int64_t> counts{{"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}};
  auto findings = json::array();
  for (const auto& f : report.findings) {
    ++counts[std::string(severityName(f.severity))];
    findings.items.push_back(findingJson(f));
  }
  auto summary = json::object();
  for (const auto& [name, count] : counts) json::set(summary, name, json::integer(count));
  json::set(summary, "findings", json::integer(static_cast<std::int64_t>(report.findings.size())));
  json::set(summary, "not_inspected", json::integer(static_cast<std::int64_t>(report.notInspected.size())));

  auto skipped = json::array();
  for (const auto& n : report.notInspected) {
    auto o = json::object();
    json::set(o, "path", json::string(n.path));
    json::set(o, "reason", json::string(n.reason));
    skipped.items.push_back(std::move(o));
  }

  auto root = json::object();
  json::set(root, "format", json::string(kReportFormat));
  json::set(root, "run", std::move(run));
  json::set(root, "summary", std::move(summary));
  json::set(root, "findings", std::move(findings));
  json::set(root, "not_inspected", std::move(skipped));
  json::set(root, "notes", strings(report.notes));
  return root;
}

}  // namespace mamori::inspect
