#pragma once
// A PDF ToUnicode CMap: how the codes a font shows map to Unicode. Japanese PDFs show text through
// CID fonts whose codes are glyph numbers, so without the CMap "社外秘" is just <0a1f0b2203c4>.
// Only what text extraction needs: codespacerange (code width), bfchar and bfrange. Pure and bounded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mamori::scan {

class PdfCMap {
 public:
  // nullopt when stream is not a CMap or maps nothing.
  static std::optional<PdfCMap> parse(std::string_view stream);

  // codes (as shown by Tj/TJ) in UTF-8; codes without a mapping are dropped.
  std::string decode(std::string_view codes) const;

  std::size_t size() const { return map_.size(); }

 private:
  std::size_t codeBytes_ = 2;
  std::unordered_map<std::uint32_t, std::string> map_;
};

}  // namespace mamori::scan
