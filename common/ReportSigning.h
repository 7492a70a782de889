#pragma once
// Tamper evidence. The signed report file is {"report": R, "signature": S}; S.value is the Ed25519
// signature (common/SigningKey) over R written canonically (JsonText.h), so whitespace and key order
// in the file do not matter but any change of a value does. The HTML page embeds the same signed
// document; verifying it also re-renders the page from the verified JSON and requires the exact bytes,
// so an edit of the visible page is caught too.

#include <string>
#include <string_view>

#include "common/JsonParser.h"
#include "common/JsonValue.h"
#include "common/Result.h"
#include "common/SigningKey.h"

namespace mamori::common {

// The signed document (a JSON object with "report" and "signature").
common::Result<common::JsonValue> signReport(const common::JsonValue& report, const common::SigningKey& key);

struct Verified {
  common::JsonValue document;  // the whole signed document
  std::string keyId;
};

// text is a signed .json file or an HTML page written by renderHtml. Ok only when the signature is
// valid and made by trusted.
common::Result<Verified> verifyReportText(std::string_view text, const common::PublicKey& trusted);

// Limits for reading a report back (larger than a policy's: a report can list many files).
common::JsonLimits reportJsonLimits();

}  // namespace mamori::common
