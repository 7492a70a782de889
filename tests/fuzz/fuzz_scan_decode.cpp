// Fuzzes text decoding (encoding detection, iconv transcoding), the detectors over its output, XML
// text, PDF content streams and ToUnicode CMaps.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/Detector.h"
#include "scan/PdfCMap.h"
#include "scan/PdfText.h"
#include "scan/TextDecoder.h"
#include "scan/XmlText.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
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
