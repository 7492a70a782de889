#pragma once
// E-mail as mail programs save it: one message (.eml, RFC 5322 with MIME, RFC 2045-2049) or an mbox
// file of them. Our own bounded reader (docs/decisions/0031): headers unfolded, RFC 2047 encoded words
// and RFC 2231 parameters (file names) decoded, multipart bodies split (nested up to kMaxMimeDepth),
// base64 and quoted-printable undone, text bodies turned into UTF-8 from their declared charset
// (ISO-2022-JP, Shift_JIS, EUC-JP, UTF-8, UTF-16) through TextDecoder. Pure: bytes in, parts out, one
// part held at a time.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::scan {

constexpr int kMaxMimeDepth = 32;  // multipart inside multipart; real mail stays under 10

struct MailPart {
  // The attachment's file name (UTF-8; "attached-N.eml" for a forwarded message without one,
  // "part-N" for a nameless non-text part), or for text: "headers", "body.txt", "body.html", ...
  std::string name;
  std::string data;   // a text's UTF-8 (when its charset is known), an attachment's decoded bytes
  bool text = false;  // headers and bodies: text to match, never a container
};

// Returns false to stop reading the message.
using MailPartVisitor = std::function<bool(MailPart&& part)>;

// Visits the parts of one message, at most maxParts; problems (nesting, too many parts) are appended.
void readMail(std::string_view message, std::size_t maxParts, const MailPartVisitor& visit,
              std::vector<std::string>& problems);

// A message by its headers: a block of "Name: value" lines (and folded continuations) that ends in a
// blank line and has at least two of the fields mail always carries (From, Date, Received, Message-ID,
// MIME-Version, ...). An mbox file starts with a "From " line and then such a block.
bool looksLikeMail(std::string_view data);

// The messages of an mbox file (split at "From " lines that follow a blank line), as views into data.
std::vector<std::string_view> splitMbox(std::string_view data);

// Header values: RFC 2047 encoded words ("=?ISO-2022-JP?B?...?=") decoded into UTF-8, the rest kept.
std::string decodeEncodedWords(std::string_view value);

// Content-Transfer-Encoding bodies; both lenient (a damaged line costs its own bytes only).
std::string decodeBase64(std::string_view text);
std::string decodeQuotedPrintable(std::string_view text, bool inHeader);

}  // namespace mamori::scan
