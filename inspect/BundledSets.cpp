#include "inspect/BundledSets.h"

#include "common/Files.h"
#include "common/KeyFiles.h"

namespace mamori::inspect {

namespace {

common::Error problem(common::ErrorKind kind, const std::string& what, const std::string& where) {
  return common::makeError(kind, what, where);
}

// Opens one named set with open (openFingerprintBundle / openEdmBundle) and checks its name.
template <typename Open>
auto openNamed(const std::string& toolDir, bool edm, const std::string& name, const common::PublicKey& key, Open open)
    -> common::Result<std::decay_t<decltype(open(std::shared_ptr<const std::string>{}, key).value())>> {
  const std::string kind = edm ? "edm" : "fingerprints";
  const std::string path = bundledSetPath(toolDir, edm, name);
  if (!common::fileExists(path))
    return problem(common::ErrorKind::kNotFound,
                   "the policy names " + kind + " set " + name +
                       " but the folder does not carry it (export it into the packaging folder with 'mamorictl " +
                       kind + " export " + name + " --output sets/" + kind + "-" + name +
                       ".set' and run scripts/package-inspect.sh again)",
                   path);
  auto bytes = scan::readSetFile(path);
  if (!bytes) return bytes.error();
  auto opened = open(bytes.value(), key);
  if (!opened)
    return problem(opened.error().kind, kind + " set " + name + " is refused: " + opened.error().describe(), path);
  if (opened.value().set->name != name)
    return problem(common::ErrorKind::kCorrupt, "the file holds set " + opened.value().set->name + ", not " + name,
                   path);
  return opened;
}

}  // namespace

std::string bundledSetPath(const std::string& toolDir, bool edm, const std::string& name) {
  return toolDir + "/sets/" + (edm ? "edm-" : "fingerprints-") + name + ".set";
}

common::Result<BundledSets> loadBundledSets(const std::string& toolDir, const policy::ContentScanSettings& settings) {
  BundledSets out;
  if (settings.fingerprints.empty() && settings.edm.empty()) return out;
  const std::string keyPath = toolDir + "/collector-key.pem";
  auto key = common::loadPublicKey(keyPath);
  if (!key)
    return problem(common::ErrorKind::kNotFound,
                   "the policy names fingerprint or exact-data-match sets, and checking them needs the collector's "
                   "policy public key in the folder: " +
                       key.error().describe(),
                   keyPath);
  for (const auto& ref : settings.fingerprints) {
    auto opened = openNamed(toolDir, false, ref.set, key.value(), [](auto bytes, const auto& pinned) {
      return scan::openFingerprintBundle(std::move(bytes), pinned);
    });
    if (!opened) return opened.error();
    auto set = std::move(opened).value();
    set.thresholds.minContainment = ref.minContainment;
    set.thresholds.minChars = ref.minChars;
    out.described.push_back("fingerprints " + ref.set + " v" + std::to_string(set.set->version));
    out.fingerprints.push_back(std::move(set));
  }
  for (const auto& ref : settings.edm) {
    auto opened = openNamed(toolDir, true, ref.set, key.value(), [](auto bytes, const auto& pinned) {
      return scan::openEdmBundle(std::move(bytes), pinned);
    });
    if (!opened) return opened.error();
    auto set = std::move(opened).value();
    set.minRows = ref.minRows;
    out.described.push_back("edm " + ref.set + " v" + std::to_string(set.set->version));
    out.edm.push_back(std::move(set));
  }
  return out;
}

}  // namespace mamori::inspect
