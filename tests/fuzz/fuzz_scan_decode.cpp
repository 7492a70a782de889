// Fuzzes text decoding (encoding detection, iconv transcoding), the detectors over its output, XML
// text, PDF content streams and ToUnicode CMaps.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/scan/Detector.h"
#include "agent/scan/PdfCMap.h"
#include "agent/scan/PdfText.h"
#include "agent/scan/TextDecoder.h"
#include "agent/scan/XmlText.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::agent::scan;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
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
