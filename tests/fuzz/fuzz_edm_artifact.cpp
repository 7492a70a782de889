// An exact-data-match set reaches the agent from the collector (inside a signed envelope) and from a
// state file (fingerprint/EdmArtifact.h); the matcher reads every scanned text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/EdmMatcher.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fp = mamori::fingerprint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  fp::ArtifactLimits limits;
  limits.maxBytes = 1 << 20;
  auto set = fp::parseEdmArtifact(text, limits);
  static const auto key = fp::FingerprintKey::fromText(std::string(42, 'k') + "A").value();
  if (set) {
    // What parsed must write and parse back to the same index, and match without failing.
    auto again = fp::parseEdmArtifact(fp::edmArtifactJson(set.value()), limits);
    MAMORI_ASSERT(again && again.value().keys == set.value().keys && again.value().entryRows == set.value().entryRows);
    (void)fp::matchEdm(set.value(), key, text);
  }
  // The matcher over arbitrary text, against a small fixed set.
  static const fp::EdmSet sample = [] {
    const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kPhone, fp::EdmType::kEmail,
                                              fp::EdmType::kAddress, fp::EdmType::kMyNumber};
    std::vector<fp::EdmEntry> entries;
    fp::hashEdmRow(key, columns,
                   {"山田 太郎", "03-1234-5678", "taro@example.jp", "東京都千代田区1-2-3", "123456789018"}, 0, entries);
    return fp::buildEdmSet("s", 1, key.keyId(), columns, 2, 1, entries).value();
  }();
  (void)fp::matchEdm(sample, key, text);
  return 0;
}
