#include "agent/p2p/VerdictJson.h"

#include <algorithm>

#include "agent/report/EventFactory.h"

namespace mamori::agent::p2p {

Poco::JSON::Array::Ptr signalsJson(const policy::P2pVerdict& verdict) {
  Poco::JSON::Array::Ptr signals = new Poco::JSON::Array;
  for (const auto& evidence : verdict.evidence) {
    Poco::JSON::Object::Ptr item = makeDetails();
    item->set("signal", std::string(policy::p2pSignalName(evidence.signal)));
    item->set("signature_set", evidence.signatureSet);
    item->set("matched", evidence.matched);
    item->set("subject", evidence.subject);
    signals->add(item);
  }
  return signals;
}

Poco::JSON::Array::Ptr evidenceLibrariesJson(const policy::ProcessFacts& facts, const policy::P2pVerdict& verdict) {
  Poco::JSON::Array::Ptr libraries = new Poco::JSON::Array;
  for (const auto& library : facts.libraries) {
    const bool evidence = std::any_of(verdict.evidence.begin(), verdict.evidence.end(),
                                      [&](const auto& e) { return e.subject == library.path; });
    if (!evidence) continue;
    Poco::JSON::Object::Ptr item = makeDetails();
    item->set("path", library.path);
    item->set("sha256", library.sha256);
    libraries->add(item);
  }
  return libraries;
}

void addProgramJson(Poco::JSON::Object& details, const policy::ProcessFacts& facts) {
  if (!facts.scriptPath.empty()) details.set("process.script", facts.scriptPath);
  if (facts.wineProgram) details.set("process.wine", true);
  if (facts.peVersion.empty()) return;
  details.set("process.pe.path", facts.peVersionPath);
  static constexpr std::pair<std::string_view, const char*> kFields[] = {
      {"OriginalFilename", "process.pe.original_file_name"},
      {"ProductName", "process.pe.product"},
      {"CompanyName", "process.pe.company"},
      {"FileDescription", "process.pe.description"},
      {"FileVersion", "process.pe.file_version"},
      {"InternalName", "process.pe.internal_name"}};
  for (const auto& [field, name] : kFields) {
    for (const auto& string : facts.peVersion) {
      if (string.key != field) continue;
      details.set(name, string.value);
      break;
    }
  }
}

}  // namespace mamori::agent::p2p
