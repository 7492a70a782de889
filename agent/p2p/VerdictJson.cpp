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

}  // namespace mamori::agent::p2p
