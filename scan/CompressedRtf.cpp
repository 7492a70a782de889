#include "scan/CompressedRtf.h"

#include <array>

#include "scan/LegacyText.h"

namespace mamori::scan {

namespace {
constexpr std::string_view kPrefix =
    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS "
    "Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    "\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
constexpr std::uint32_t kCompressed = 0x75465A4CU;    // "LZFu"
constexpr std::uint32_t kUncompressed = 0x414C454DU;  // "MELA"
constexpr std::size_t kDictionary = 4096;
constexpr std::size_t kHeaderBytes = 16;

common::Error corrupt(const std::string& what) {
  return common::makeError(common::ErrorKind::kCorrupt, "corrupt compressed RTF: " + what);
}
}  // namespace

common::Result<std::string> decompressRtf(std::string_view data, std::uint64_t maxBytes) {
  if (data.size() < kHeaderBytes) return corrupt("header cut short");
  const std::uint32_t rawSize = le32(data, 4);
  const std::uint32_t type = le32(data, 8);
  const std::uint64_t limit = std::min<std::uint64_t>(rawSize, maxBytes);
  const std::string_view body = data.substr(kHeaderBytes);
  if (type == kUncompressed) return std::string(body.substr(0, static_cast<std::size_t>(limit)));
  if (type != kCompressed) return corrupt("unknown type " + std::to_string(type));
  std::array<char, kDictionary> dict{};
  std::copy(kPrefix.begin(), kPrefix.end(), dict.begin());
  std::size_t write = kPrefix.size();
  std::string out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(limit, body.size() * 8)));
  std::size_t at = 0;
  while (at < body.size() && out.size() < limit) {
    const auto control = static_cast<unsigned char>(body[at++]);
    for (unsigned bit = 0; bit < 8 && out.size() < limit; ++bit) {
      if (at >= body.size()) return out;
      if ((control & (1U << bit)) == 0) {
        out.push_back(body[at]);
        dict[write] = body[at++];
        write = (write + 1) % kDictionary;
        continue;
      }
      if (at + 2 > body.size()) return corrupt("reference cut short");
      const unsigned ref = (static_cast<unsigned char>(body[at]) << 8U) | static_cast<unsigned char>(body[at + 1]);
      at += 2;
      const std::size_t offset = ref >> 4U;
      const std::size_t length = (ref & 0x0FU) + 2;
      if (offset == write) return out;  // the end marker
      for (std::size_t k = 0; k < length && out.size() < limit; ++k) {
        const char c = dict[(offset + k) % kDictionary];
        out.push_back(c);
        dict[write] = c;
        write = (write + 1) % kDictionary;
      }
    }
  }
  return out;
}

}  // namespace mamori::scan
