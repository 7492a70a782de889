// An exact-data-match set reaches the agent from the collector and from its state directory as a
// signed set file (fingerprint/SignedSet.h around fingerprint/EdmArtifact.h); the signature is checked
// before the artifact is parsed, but the parsers must hold on any bytes. The matcher reads every
// scanned text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Result.h"
#include "fingerprint/EdmArtifact.h"
#include "fingerprint/EdmMatcher.h"
#include "fingerprint/SignedSet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fp = mamori::fingerprint;
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT: byte view
  fp::ArtifactLimits limits;
  limits.maxBytes = 1 << 20;
  static const auto key = fp::FingerprintKey::fromText(std::string(42, 'k') + "A").value();
  auto parts = fp::splitSignedSet(text);
  const auto storage = std::make_shared<const std::string>(text);
  const std::size_t length = parts ? parts.value().artifactBytes : storage->size();
  auto set = fp::parseEdmArtifact(storage, length, limits);
  if (set) {
    // What parsed must write back to the same bytes, and match without failing.
    MAMORI_ASSERT(fp::edmArtifact(set.value()) == std::string_view(*storage).substr(0, length));
    (void)fp::matchEdm(set.value(), key, text);
  }
  // The matcher over arbitrary text, against a small fixed set; the anchored pass (the set knows its
  // addresses hold digits) answers as every candidate does (docs/decisions/0057).
  static const fp::EdmSet sample = [] {
    const std::vector<fp::EdmType> columns = {fp::EdmType::kName, fp::EdmType::kPhone, fp::EdmType::kEmail,
                                              fp::EdmType::kAddress, fp::EdmType::kMyNumber};
    std::vector<fp::EdmEntry> entries;
    std::vector<std::uint64_t> lengths(columns.size(), 0);
    for (std::uint32_t row = 0; row < 2; ++row)
      fp::hashEdmRow(key, columns,
                     {row == 0 ? "山田 太郎" : "佐藤 花子", row == 0 ? "03-1234-5678" : "06-5555-6666",
                      row == 0 ? "taro@example.jp" : "hanako@example.jp", "東京都千代田区1-2-3",
                      row == 0 ? "123456789018" : "234567890123"},
                     row, entries, &lengths);
    auto set = fp::buildEdmSet("s", 1, key.keyId(), columns, 2, 2, entries, lengths).value();
    set.window = 48;  // small, so a fuzzed text reaches beyond it
    return set;
  }();
  MAMORI_ASSERT(fp::edmAnchored(sample));
  const auto anchored = fp::matchEdm(sample, key, text);
  const auto every = fp::matchEdm(sample, key, text, fp::EdmPass::kEveryCandidate);
  MAMORI_ASSERT(anchored.rows == every.rows && anchored.columnTypes == every.columnTypes);
  // The text followed by '\n' (how the scanner ends a piece of a file of several) finds the same.
  const auto withLineFeed = fp::matchEdm(sample, key, std::string(text) + "\n");
  MAMORI_ASSERT(anchored.rows == withLineFeed.rows && anchored.columnTypes == withLineFeed.columnTypes);
  // With min_columns 3 a row needs a phone, an e-mail or a number (two columns are of other kinds):
  // names and addresses are looked up only around those (docs/decisions/0066).
  static const fp::EdmSet three = [] {
    auto set = sample;
    set.minColumns = 3;
    return set;
  }();
  const auto deferred = fp::matchEdm(three, key, text);
  const auto everyThree = fp::matchEdm(three, key, text, fp::EdmPass::kEveryCandidate);
  MAMORI_ASSERT(deferred.rows == everyThree.rows && deferred.columnTypes == everyThree.columnTypes);
  return 0;
}
