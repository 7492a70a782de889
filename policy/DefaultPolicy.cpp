#include "policy/DefaultPolicy.h"

#include <cstdio>

#include "common/JsonValue.h"
#include "policy/PolicyParser.h"

namespace mamori::policy {

namespace {

// Confidentiality markings as Japanese companies stamp them, in headers, footers and cover pages.
// The agent decodes Shift_JIS, EUC-JP and UTF-16 to UTF-8 before scanning, so UTF-8 strings suffice.
constexpr std::string_view kCompanyYara = R"yara(rule confidential_marking_ja
{
  meta:
    description = "Japanese confidentiality marking"
    severity = "high"
  strings:
    $shagaihi = "社外秘"
    $bugaihi = "部外秘"
    $gokuhi = "極秘"
    $genpi = "厳秘"
    $toriatsukai = "取扱注意"
    $kankeisha = "関係者外秘"
    $kankeisha_nomi = "関係者限り"
    $kimitsu = "機密情報"
    $himitsu = "秘密情報"
  condition:
    any of them
}

rule confidential_marking_en
{
  meta:
    description = "English confidentiality marking (the bare word 'confidential' is too common)"
    severity = "high"
  strings:
    $stamp = "CONFIDENTIAL"
    $company = "Company Confidential" nocase
    $strictly = "Strictly Confidential" nocase
    $internal = "Internal Use Only" nocase
    $no_distribution = "Do Not Distribute" nocase
  condition:
    any of them
}

rule customer_personal_data_ja
{
  meta:
    description = "A customer list: several personal-data column headings together"
    severity = "medium"
  strings:
    $id = "顧客番号"
    $name = "氏名"
    $kana = "フリガナ"
    $address = "住所"
    $phone = "電話番号"
    $birth = "生年月日"
    $account = "口座番号"
  condition:
    4 of them
}
)yara";

std::string makeText() {
  return R"json({
  "schema_version": 1,
  "version": 1,
  "name": "mamori built-in default",
  "description": "In force until the collector delivers a signed policy.",
  "device_control": {
    "mode": "enforce",
    "default_action": "allow",
    "class_actions": {"mass_storage": "block", "still_image": "block"},
    "phones": "block",
    "allow": []
  },
  "p2p_guard": {
    "mode": "enforce",
    "builtin_signatures": true,
    "deny_exec": true,
    "kill": true,
    "network_detection": true
  },
  "content_scan": {
    "mode": "enforce",
    "rule_sets": [{"name": "company-confidential", "source": )json" +
         common::jsonQuote(kCompanyYara) + R"json(}],
    "detectors": {
      "credit_card": {"enabled": true, "min_count": 3},
      "my_number": {"enabled": true, "min_count": 3}
    },
    "paths": ["/home"],
    "exclude": ["*/.cache/*", "*/.local/share/Trash/*"],
    "schedule": {"interval_hours": 24, "on_change": true},
    "threads": 1,
    "max_file_bytes": 104857600,
    "archive": {"max_depth": 3, "max_members": 10000, "max_total_bytes": 1073741824, "max_ratio": 100}
  },
  "activity": {"mode": "enforce"},
  "reporting": {"heartbeat_interval_ms": 60000, "policy_poll_interval_ms": 60000},
  "agent_limits": {"cpu_percent": 25, "memory_mib": 512}
}
)json";
}

}  // namespace

const std::string& builtinPolicyText() {
  static const std::string text = makeText();
  return text;
}

const Policy& builtinPolicy() {
  static const Policy policy = [] {
    auto result = parsePolicy(builtinPolicyText());
    if (!result.ok()) std::fprintf(stderr, "mamori: built-in policy: %s", result.describe().c_str());
    MAMORI_ASSERT(result.ok());
    return std::move(*result.policy);
  }();
  return policy;
}

std::string_view companyConfidentialYara() { return kCompanyYara; }

}  // namespace mamori::policy
