#include "agent/activity/CupsControlFile.h"

namespace mamori::agent::activity {

namespace {

constexpr unsigned char kEndOfAttributes = 0x03;
constexpr unsigned char kInteger = 0x21;
constexpr unsigned char kTextWithLanguage = 0x35;
constexpr unsigned char kNameWithLanguage = 0x36;

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool take(std::size_t n, std::string_view& out) {
    if (bytes_.size() - pos_ < n) return false;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool u8(unsigned& out) {
    std::string_view b;
    if (!take(1, b)) return false;
    out = static_cast<unsigned char>(b[0]);
    return true;
  }
  bool u16(std::size_t& out) {
    std::string_view b;
    if (!take(2, b)) return false;
    out = (std::size_t{static_cast<unsigned char>(b[0])} << 8U) | static_cast<unsigned char>(b[1]);
    return true;
  }
  std::size_t pos() const { return pos_; }
  bool done() const { return pos_ >= bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

std::int64_t integerValue(std::string_view value) {
  std::uint32_t v = 0;
  for (const char c : value) v = (v << 8U) | static_cast<unsigned char>(c);
  return static_cast<std::int32_t>(v);
}

// text/nameWithLanguage: a 2-byte length and the language, then a 2-byte length and the text.
std::string textValue(unsigned tag, std::string_view value) {
  if (tag != kTextWithLanguage && tag != kNameWithLanguage) return std::string(value);
  if (value.size() < 2) return {};
  const std::size_t languageLength =
      (std::size_t{static_cast<unsigned char>(value[0])} << 8U) | static_cast<unsigned char>(value[1]);
  if (value.size() < 4 + languageLength) return {};
  return std::string(value.substr(4 + languageLength));
}

std::string queueOf(const std::string& uri) {
  const std::size_t at = uri.rfind("/printers/");
  if (at != std::string::npos) return uri.substr(at + 10);
  const std::size_t slash = uri.rfind('/');
  return slash == std::string::npos ? uri : uri.substr(slash + 1);
}

common::Error errorAt(const Reader& reader, const std::string& what) {
  return common::makeError("CUPS control file, byte " + std::to_string(reader.pos()) + ": " + what);
}

}  // namespace

common::Result<PrintJob> parseCupsControlFile(std::string_view bytes) {
  Reader reader(bytes);
  std::string_view header;
  if (!reader.take(8, header)) return errorAt(reader, "expected an 8-byte IPP header");
  if (header[0] < 1 || header[0] > 2) return errorAt(reader, "expected IPP version 1.x or 2.x");
  PrintJob job;
  std::int64_t completed = -1;
  std::int64_t sheets = -1;
  std::int64_t impressions = -1;
  std::string name;  // the current attribute (additional values have an empty name)
  bool ended = false;
  while (!reader.done()) {
    unsigned tag = 0;
    (void)reader.u8(tag);
    if (tag == kEndOfAttributes) {
      ended = true;
      break;
    }
    if (tag < 0x10) continue;  // a group delimiter (operation, job, printer attributes)
    std::size_t nameLength = 0;
    std::string_view nameBytes;
    std::size_t valueLength = 0;
    std::string_view value;
    if (!reader.u16(nameLength) || !reader.take(nameLength, nameBytes) || !reader.u16(valueLength) ||
        !reader.take(valueLength, value)) {
      return errorAt(reader, "attribute runs past the end of the file");
    }
    if (nameLength > 0)
      name = std::string(nameBytes);
    else
      continue;  // only the first value of each attribute is used
    if (tag == kInteger && value.size() == 4) {
      const std::int64_t number = integerValue(value);
      if (name == "job-id") job.jobId = number;
      if (name == "job-impressions-completed") completed = number;
      if (name == "job-media-sheets-completed") sheets = number;
      if (name == "job-impressions") impressions = number;
    } else if (name == "job-originating-user-name") {
      job.user = textValue(tag, value);
    } else if (name == "job-name") {
      job.title = textValue(tag, value);
    } else if (name == "job-printer-uri") {
      job.printer = queueOf(std::string(value));
    }
  }
  if (!ended) return errorAt(reader, "expected the end-of-attributes tag");
  job.pages = completed > 0 ? completed : sheets > 0 ? sheets : impressions >= 0 ? impressions : -1;
  return job;
}

}  // namespace mamori::agent::activity
