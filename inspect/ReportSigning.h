#pragma once
// Tamper evidence. The signed report file is {"report": R, "signature": S}; S.value is the Ed25519
// signature (policy/SigningKey) over R written canonically (JsonText.h), so whitespace and key order
// in the file do not matter but any change of a value does. The HTML page embeds the same signed
// document; verifying it also re-renders the page from the verified JSON and requires the exact bytes,
// so an edit of the visible page is caught too.

#include <string>
#include <string_view>

#include "common/Result.h"
#include "policy/JsonParser.h"
#include "policy/JsonValue.h"
#include "policy/SigningKey.h"

namespace mamori::inspect {

// The signed document (a JSON object with "report" and "signature").
common::Result<policy::JsonValue> signReport(const policy::JsonValue& report, const policy::SigningKey& key);

struct Verified {
  policy::JsonValue document;  // the whole signed document
  std::string keyId;
};

// text is a signed .json file or an HTML page written by renderHtml. Ok only when the signature is
// valid and made by trusted.
common::Result<Verified> verifyReportText(std::string_view text, const policy::PublicKey& trusted);

// Limits for reading a report back (larger than a policy's: a report can list many files).
policy::JsonLimits reportJsonLimits();

}  // namespace mamori::inspect
