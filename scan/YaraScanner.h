#pragma once
// One libyara scanner over shared compiled rules, owned by one worker thread (a YR_SCANNER is not
// thread-safe; the YR_RULES behind it is shared). Errors come back through policy::yaraError.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Result.h"
#include "policy/YaraRules.h"

struct YR_SCAN_CONTEXT;  // libyara: YR_SCANNER is a typedef of it

namespace mamori::policy {
struct P2pSignatureSet;
}

namespace mamori::scan {

struct RuleMatch {
  std::string rule;    // the rule's identifier
  std::int64_t count;  // string matches inside the data (at least 1 for a condition without strings)
};

// Whether buffers go through the rules' literal prefilter before libyara: not with
// MAMORI_YARA_PREFILTER=off (tests and bench/scan.py compare both ways). Read once.
bool yaraPrefilterEnabled();

class YaraScanner {
 public:
  // rules must outlive nothing: the scanner keeps a reference to them.
  static common::Result<std::unique_ptr<YaraScanner>> create(std::shared_ptr<const policy::YaraRules> rules);

  // Matching rules in data. timeoutSeconds >= 1 bounds the scan (libyara counts whole seconds).
  // libyara is not called when the rules' literal prefilter proves none can match (decision 0053).
  common::Result<std::vector<RuleMatch>> scan(std::string_view data, int timeoutSeconds);

  YaraScanner(const YaraScanner&) = delete;
  YaraScanner& operator=(const YaraScanner&) = delete;

 private:
  struct Deleter {
    void operator()(YR_SCAN_CONTEXT* scanner) const;
  };
  YaraScanner(std::shared_ptr<const policy::YaraRules> rules, YR_SCAN_CONTEXT* scanner);
  common::Status start();  // deferred rules: load them and make the libyara scanner

  std::shared_ptr<const policy::YaraRules> rules_;
  std::unique_ptr<YR_SCAN_CONTEXT, Deleter> scanner_;
  const policy::YaraPrefilter* prefilter_ = nullptr;  // the rules' own, or null (none, or MAMORI_YARA_PREFILTER=off)
};

// One scanner per P2P signature set that has YARA rules, with the set's name: what the P2P guard and the
// inspection tool match programs with. A set whose scanner cannot be made is left out, with a warning
// that starts with who ("p2p guard").
using NamedScanners = std::vector<std::pair<std::string, std::unique_ptr<YaraScanner>>>;
NamedScanners signatureSetScanners(const std::vector<policy::P2pSignatureSet>& sets, const std::string& who);

}  // namespace mamori::scan
