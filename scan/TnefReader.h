#pragma once
// A TNEF stream ([MS-OXTNEF]: the winmail.dat Outlook and Exchange attach to mail for other mail
// programs, application/ms-tnef): the message's subject and bodies (plain, compressed RTF, HTML) as
// text, and its attachments (attAttachData, or an attached object's PR_ATTACH_DATA_OBJ) as bytes,
// named by their long file name (PR_ATTACH_LONG_FILENAME) or title. Pure and bounded: every length is
// checked against what is left, at most maxAttachments attachments, maxText bytes of text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::scan {

struct TnefAttachment {
  std::string name;       // "attachment-N" when the stream names none
  std::string_view data;  // a view into the stream
};

struct TnefResult {
  std::string text;
  std::vector<TnefAttachment> attachments;
  std::vector<std::string> problems;  // a truncated stream, attachments past the limit
};

bool isTnef(std::string_view data);
TnefResult readTnef(std::string_view data, std::size_t maxText, std::size_t maxAttachments);

}  // namespace mamori::scan
