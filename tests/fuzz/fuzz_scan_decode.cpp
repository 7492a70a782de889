// Fuzzes text decoding (encoding detection, iconv transcoding), the detectors over its output, XML
// text, PDF content streams and ToUnicode CMaps; and checks every block-wise UTF-8 test (the
// scanner's sniff: SSE2 compares, SSSE3 and AVX2 table lookups) against decoding code point by code point.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/Result.h"
#include "common/Utf8.h"
#include "common/Utf8Check.h"
#include "scan/Detector.h"
#include "scan/PdfCMap.h"
#include "scan/PdfText.h"
#include "scan/TextDecoder.h"
#include "scan/XmlText.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
  bool decodes = true;
  std::uint32_t cp = 0;
  for (std::size_t at = 0; at < size && decodes;) {
    const std::size_t n = mamori::common::decodeUtf8(input, at, cp);
    decodes = n != 0;
    at += n;
  }
  MAMORI_ASSERT(mamori::common::isValidUtf8(input) == decodes);
  using mamori::common::Utf8Path;
  for (const Utf8Path path : {Utf8Path::kBytewise, Utf8Path::kSse2, Utf8Path::kSsse3, Utf8Path::kAvx2}) {
    if (mamori::common::utf8PathAvailable(path)) MAMORI_ASSERT(mamori::common::isValidUtf8On(path, input) == decodes);
  }
  const auto decoded = decodeToUtf8(input);
  const std::string_view text = decoded ? std::string_view(*decoded) : input;
  const std::int64_t found = CreditCardDetector().count(text) + MyNumberDetector().count(text);
  const std::string xml = xmlText(input);
  const std::string pdf = contentStreamText(input);
  if (utf16leRuns(input, 3).size() > size * 4 + 16) return 1;
  if (const auto cmap = PdfCMap::parse(input)) {
    if (cmap->decode(input).size() > size * 4 * 3 + 16) return 1;
  }
  return found < 0 || xml.size() > size * 4 + 16 || pdf.size() > size * 2 + 16 ? 1 : 0;
}
