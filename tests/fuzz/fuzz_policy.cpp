// Policies come from administrators' editors and, signed, over the network: the parser must give an
// error (never crash, hang or leak) on anything. The same bytes are also tried as a signed envelope.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/PolicyParser.h"
#include "policy/SignedPolicy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  const auto result = mamori::policy::parsePolicy(text);
  if (result.ok()) {
    // What a valid policy promises, whatever the input was.
    const auto& policy = *result.policy;
    MAMORI_ASSERT(result.errors.empty());
    MAMORI_ASSERT(policy.version >= 1);
    MAMORI_ASSERT(policy.deviceControl.actionForClass(0x03) == mamori::policy::DeviceAction::kAllow);
    MAMORI_ASSERT(policy.deviceControl.actionForClass(0x09) == mamori::policy::DeviceAction::kAllow);
    for (const auto& set : policy.contentScan.ruleSets) MAMORI_ASSERT(set.rules != nullptr);
  } else {
    MAMORI_ASSERT(!result.errors.empty());
    MAMORI_ASSERT(result.errors.size() <= 100);
    for (const auto& error : result.errors) MAMORI_ASSERT(!error.message.empty() && !error.where.empty());
  }
  (void)mamori::policy::parseSignedPolicyEnvelope(text);
  return 0;
}
