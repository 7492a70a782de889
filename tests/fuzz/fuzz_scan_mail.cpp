// Fuzzes the e-mail reader (scan/MailReader): header unfolding, RFC 2047 words, RFC 2231 parameters,
// multipart splitting and nesting, base64 and quoted-printable, charsets, HTML text, mbox splitting;
// and Outlook's winmail.dat (scan/TnefReader): attributes, MAPI property lists, attachments.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scan/MailReader.h"
#include "scan/TnefReader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mamori::scan;
  const std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT: fuzzer bytes
  std::size_t seen = looksLikeMail(input) ? 1 : 0;
  seen += decodeEncodedWords(input.substr(0, 4096)).size();
  std::vector<std::string> problems;
  for (const std::string_view message : splitMbox(input)) {
    readMail(
        message, 64,
        [&](MailPart&& part) {
          seen += part.name.size() + part.data.size();
          return true;
        },
        problems);
  }
  const TnefResult tnef = readTnef(input, 1 << 20, 64);
  seen += tnef.text.size() + tnef.problems.size();
  for (const auto& file : tnef.attachments) seen += file.name.size() + file.data.size();
  return seen == static_cast<std::size_t>(-1) ? 1 : 0;
}
